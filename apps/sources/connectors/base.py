"""The connector model: every source fetches payloads, recognises its files and parses them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from apps.health.errors import PermanentError

# Bytes of a file's beginning that `sniff` sees; enough for any header and an HTML signature.
SNIFF_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Payload:
    """One file to parse: a local path plus what is known about where it came from."""

    path: Path
    original_name: str
    account: str = ""
    kind: str = ""
    captured_at: datetime | None = None


@dataclass(frozen=True)
class RowError:
    """A rejected input row: 1-based line number in the file, the column, a stable code, why."""

    row: int
    column: str
    code: str
    message: str
    raw_line: str = ""


@dataclass(frozen=True)
class ParsedFile:
    """What a parser made of one file: typed tables per curated dataset plus the rejected rows."""

    kind: str
    schema_id: str
    tables: dict[str, pa.Table]
    rows_in: int
    rejections: list[RowError] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    line_ending: str = ""
    warnings: list[str] = field(default_factory=list)
    # The account the content names (S4A artist id, TikTok handle...), when the file tells.
    account: str = ""
    # When the data was captured, from the file's own dates, for curated precedence.
    captured_at: datetime | None = None
    # Header cells outside the header set the parser declares, after its alias table: what lake
    # drift reports as new (SPEC 3.3). None: the parser declares no set, so drift compares the
    # raw header with the previous file's instead.
    unknown_columns: list[str] | None = None

    @property
    def rows_out(self) -> int:
        return self.rows_in - len(self.rejections)


class FileRejected(PermanentError):
    """The whole file is quarantined; the message names the row/column when there is one."""

    code = "file_rejected"


class Connector:
    """Base class: subclasses set `source_id` and implement `sniff` and `parse` (and `fetch`)."""

    source_id: ClassVar[str]
    parser_version: ClassVar[str] = "1"
    # Kinds whose content is an API payload: API data however it arrived, so it beats the
    # source's exports in curated even when saved and uploaded by hand (SPEC 3.5).
    api_payload_kinds: ClassVar[frozenset[str]] = frozenset()
    # Kinds captured from a site that may serve yesterday's answer again: the same bytes more
    # than a day later are flagged `possibly_cached` (SPEC 2.2).
    possibly_cached_kinds: ClassVar[frozenset[str]] = frozenset()

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """Return the kind of file this is when it belongs to this source, else None."""
        raise NotImplementedError

    def parse(self, payload: Payload) -> ParsedFile:
        raise NotImplementedError

    def requires_account(self) -> bool:
        return False

    def dedupe_identity(self, kind: str, original_name: str, account: str) -> str:
        """What the file is about when its bytes alone do not say it (SPEC 3.2 dedupe): the lake
        treats a file as a duplicate only when both its sha256 and this identity match. Empty
        for kinds whose content names everything, so they dedupe by bytes alone."""
        return ""

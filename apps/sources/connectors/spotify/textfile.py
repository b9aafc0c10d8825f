"""Read an S4A CSV export: refuse binary content, find the encoding, split it into records."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from apps.sources.connectors.base import FileRejected

# Tried in this order; latin-1 maps every byte, so the last attempt always succeeds.
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")

NOT_TEXT = "content is not a text CSV file"

BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


@dataclass(frozen=True)
class Record:
    """One CSV record and the physical line it ends on (1-based)."""

    line: int
    fields: list[str]

    @property
    def is_blank(self) -> bool:
        return not any(field.strip() for field in self.fields)

    @property
    def raw_line(self) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(self.fields)
        return buffer.getvalue()


@dataclass(frozen=True)
class CsvText:
    records: list[Record]
    encoding: str
    line_ending: str


def binary_reason(head: bytes) -> str | None:
    """Why these bytes cannot be a CSV export, or None when they may be one."""
    for magic, name in BINARY_MAGIC:
        if head.startswith(magic):
            return f"{NOT_TEXT} (looks like a {name})"
    if b"\x00" in head:
        return f"{NOT_TEXT} (NUL bytes found)"
    return None


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM first, then cp1252, then latin-1."""
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def line_ending_of(text: str) -> str:
    for index, char in enumerate(text):
        if char == "\n":
            return "LF"
        if char == "\r":
            return "CRLF" if text[index + 1 : index + 2] == "\n" else "CR"
    return ""


def split_records(text: str) -> list[Record]:
    """Every CSV record with its line number; FileRejected when the CSV cannot be split."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    records: list[Record] = []
    try:
        for fields in reader:
            records.append(Record(line=reader.line_num, fields=fields))
    except csv.Error as error:
        raise FileRejected(
            f"file cannot be read as CSV near line {reader.line_num}: {error}"
        ) from None
    return records


def read_csv_text(path: Path) -> CsvText:
    """The decoded records of a whole S4A export (these files are kilobytes, not megabytes)."""
    content = path.read_bytes()
    if not content.strip():
        raise FileRejected("file is empty")
    reason = binary_reason(content)
    if reason:
        raise FileRejected(reason)
    text, encoding = decode(content)
    return CsvText(records=split_records(text), encoding=encoding, line_ending=line_ending_of(text))

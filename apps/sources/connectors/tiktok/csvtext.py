"""Decode a small TikTok CSV and split it into records that know their line and source text.

TikTok files are a few hundred lines at most, so they are read whole with the `csv` module: it
keeps quoted commas and line breaks inside video titles, which a line split would cut.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from apps.sources.connectors.base import FileRejected

# Magic bytes of files uploaded by mistake, named in the rejection.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"%PDF-", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# A garbage "line" can be megabytes long; staging needs enough to recognise it, not all of it.
RAW_LINE_MAX_CHARS = 2000


@dataclass(frozen=True)
class Record:
    """One CSV record: the physical line it starts on (1-based), its fields and its text."""

    line: int
    fields: tuple[str, ...]
    raw: str

    @property
    def is_blank(self) -> bool:
        return not any(field.strip() for field in self.fields)


@dataclass(frozen=True)
class CsvText:
    encoding: str
    line_ending: str
    records: tuple[Record, ...]


def decode(content: bytes, *, what: str) -> tuple[str, str]:
    """(text, encoding): BOM first, then strict UTF-8, then cp1252; binary is refused."""
    for magic, description in BINARY_MAGIC:
        if content.startswith(magic):
            raise FileRejected(f"{what} is not text (looks like {description})")
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _decoded(content, encoding, what), encoding
    if b"\x00" in content:
        raise FileRejected(f"{what} is not text (it holds NUL bytes)")
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # cp1252 leaves five bytes undefined; latin-1 reads every byte, so text never fails here.
    for encoding in ("cp1252", "latin-1"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(f"{what} cannot be decoded")  # pragma: no cover - latin-1 reads anything


def _decoded(content: bytes, encoding: str, what: str) -> str:
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise FileRejected(f"{what} is not valid {encoding.upper()} text") from None
    if "\x00" in text:
        raise FileRejected(f"{what} is not text (it holds NUL characters)")
    return text.removeprefix("\ufeff")


def line_ending(text: str) -> str:
    """The first line break's kind: CRLF, LF or CR; empty for a one-line text."""
    for ending, name in (("\r\n", "CRLF"), ("\n", "LF"), ("\r", "CR")):
        position = text.find(ending)
        if position >= 0 and (name != "LF" or text[position - 1 : position] != "\r"):
            return name
    return ""


def read_csv(content: bytes, *, what: str, delimiter: str = ",") -> CsvText:
    """Every record of a CSV file, blank ones included (callers skip them)."""
    text, encoding = decode(content, what=what)
    return CsvText(encoding, line_ending(text), tuple(split_records(text, what, delimiter)))


def split_records(text: str, what: str, delimiter: str = ",") -> list[Record]:
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[Record] = []
    consumed = 0
    try:
        for fields in reader:
            start = consumed + 1
            consumed = reader.line_num
            raw = "".join(lines[start - 1 : consumed]).rstrip("\r\n")
            records.append(Record(start, tuple(fields), raw[:RAW_LINE_MAX_CHARS]))
    except csv.Error as error:
        # An unterminated quote or an oversized field: the rest of the file cannot be trusted.
        detail = str(error).splitlines()[0][:200] if str(error) else "malformed CSV"
        raise FileRejected(f"{what} line {consumed + 1} cannot be read as CSV: {detail}") from None
    return records

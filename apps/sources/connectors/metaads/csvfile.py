"""Read an Ads Manager CSV into records: decoding, delimiter sniffing and line numbers.

Ads Manager writes UTF-8 with commas; an Excel re-save writes the machine's code page (cp1252)
with `;` and comma decimals in a French or Portuguese locale, or UTF-16 with tabs ("Unicode
text"). The delimiter is sniffed from the header line, never assumed.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.metaads.records import Record

# Tried in this order after the BOMs; latin-1 maps every byte, so the last attempt succeeds.
ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")
DELIMITERS: tuple[str, ...] = (",", ";", "\t")
# Exports are a few thousand rows; a file past this is not one (and would sit in memory).
MAX_CSV_BYTES = 64 << 20

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP archive"),
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
)


@dataclass(frozen=True)
class CsvText:
    """A decoded CSV file: its records and how it was written."""

    records: tuple[Record, ...]
    encoding: str
    delimiter: str
    line_ending: str


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first (UTF-8, UTF-16), then UTF-8, cp1252 and latin-1."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            try:
                return content.decode(encoding), encoding
            except UnicodeDecodeError:
                raise FileRejected(f"content is not valid {encoding} text") from None
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line most often outside quotes (`,` on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    is_quoted = False
    for char in line:
        if char == '"':
            is_quoted = not is_quoted
        elif not is_quoted and char in counts:
            counts[char] += 1
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def line_ending_of(text: str) -> str:
    position = min((p for p in (text.find("\r"), text.find("\n")) if p >= 0), default=-1)
    if position < 0:
        return ""
    if text.startswith("\r\n", position):
        return "CRLF"
    return "CR" if text[position] == "\r" else "LF"


def read_csv(path: Path) -> CsvText:
    """Every record of the file with its first physical line number (the header is line 1)."""
    content = _read_bytes(path)
    text, encoding = decode(content)
    if "\x00" in text:
        raise FileRejected("content is not a text export (NUL characters found)")
    delimiter = sniff_delimiter(first_line(text))
    return CsvText(
        records=_records(text, delimiter),
        encoding=encoding,
        delimiter=delimiter,
        line_ending=line_ending_of(text),
    )


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as stream:
        content = stream.read(MAX_CSV_BYTES + 1)
    if len(content) > MAX_CSV_BYTES:
        raise FileRejected(f"file is larger than {MAX_CSV_BYTES} bytes; not an Ads Manager CSV")
    if not content.strip():
        raise FileRejected("file is empty")
    for magic, kind in _BINARY_MAGIC:
        if content.startswith(magic):
            raise FileRejected(f"content is not a text export (looks like a {kind})")
    return content


def _records(text: str, delimiter: str) -> tuple[Record, ...]:
    # A field past the csv module's limit (128 KiB) raises csv.Error: the file is rejected.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[Record] = []
    next_line = 1
    try:
        for cells in reader:
            records.append(Record(next_line, tuple(cells), delimiter.join(cells)))
            next_line = reader.line_num + 1
    except csv.Error as error:
        raise FileRejected(f"line {next_line} cannot be read as CSV: {error}") from None
    return tuple(records)

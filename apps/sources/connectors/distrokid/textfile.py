"""Whole-file checks before parsing: binary content, encoding and line endings, in one pass."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from apps.sources.connectors.base import FileRejected

# Tried in this order (SPEC 2.1). latin-1 maps every byte, so the last attempt always succeeds.
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "cp1252", "latin-1")

# Read size of the scan; large enough that per-chunk Python overhead is noise on 150 MB.
SCAN_CHUNK_BYTES = 1 << 20

NOT_TEXT = "content is not a text statement"

# Formats that get uploaded by mistake in place of a statement, named in the rejection.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


@dataclass(frozen=True)
class TextScan:
    """What one pass over the bytes established about a text file."""

    encoding: str
    # "CR", "LF" or "CRLF" from the first line break; "" when the file is one unterminated line.
    line_ending: str
    has_mixed_line_endings: bool
    # Upper bound of the lines in the file, header included: caps how many rows can be rejected.
    max_lines: int


@dataclass
class _LineBreaks:
    cr: int = 0
    lf: int = 0

    def add(self, chunk: bytes) -> None:
        self.cr += chunk.count(b"\r")
        self.lf += chunk.count(b"\n")


def first_line(head: bytes) -> bytes:
    """The bytes before the first CR or LF (the whole head when it has no line break)."""
    ends = [pos for pos in (head.find(b"\r"), head.find(b"\n")) if pos >= 0]
    return head[: min(ends)] if ends else head


def line_ending_of(head: bytes) -> str:
    line = first_line(head)
    rest = head[len(line) : len(line) + 2]
    if rest.startswith(b"\r\n"):
        return "CRLF"
    if rest.startswith(b"\r"):
        return "CR"
    return "LF" if rest.startswith(b"\n") else ""


def binary_reason(head: bytes) -> str | None:
    """Why these bytes cannot be a text statement, or None when they may be one."""
    for magic, name in BINARY_MAGIC:
        if head.startswith(magic):
            return f"{NOT_TEXT} (looks like a {name})"
    if b"\x00" in head:
        return f"{NOT_TEXT} (NUL bytes found)"
    return None


def decode_line(line: bytes) -> tuple[str, str]:
    """Decode one line with the first encoding of ENCODINGS that works: (text, encoding)."""
    if line.startswith(codecs.BOM_UTF8):
        try:
            return line.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    for encoding in ENCODINGS:
        try:
            return line.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def scan_text_file(path: Path) -> TextScan:
    """Reject binary or empty files and find the encoding and line endings, reading once."""
    breaks = _LineBreaks()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    has_content = False
    with path.open("rb") as stream:
        head = stream.read(SCAN_CHUNK_BYTES)
        if not head:
            raise FileRejected("file is empty")
        reason = binary_reason(head)
        if reason:
            raise FileRejected(reason)
        chunk = head
        while chunk:
            if b"\x00" in chunk:
                raise FileRejected(f"{NOT_TEXT} (NUL bytes found)")
            is_utf8 = is_utf8 and _decodes(utf8, chunk)
            has_content = has_content or bool(chunk.strip())
            breaks.add(chunk)
            chunk = stream.read(SCAN_CHUNK_BYTES)
    if not has_content:
        raise FileRejected("file is empty (only blank lines)")
    is_utf8 = is_utf8 and _decodes(utf8, b"", final=True)
    line_ending = line_ending_of(head)
    return TextScan(
        encoding=_encoding(path, head=head, is_utf8=is_utf8),
        line_ending=line_ending,
        has_mixed_line_endings=_is_mixed(line_ending, breaks),
        max_lines=_max_lines(line_ending, breaks),
    )


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(path: Path, *, head: bytes, is_utf8: bool) -> str:
    if is_utf8:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    # Only non-UTF-8 files pay for a second pass; cp1252 leaves five bytes undefined.
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    with path.open("rb") as stream:
        while chunk := stream.read(SCAN_CHUNK_BYTES):
            if not _decodes(cp1252, chunk):
                return "latin-1"
    return "cp1252"


def _is_mixed(line_ending: str, breaks: _LineBreaks) -> bool:
    if line_ending == "CR":
        return breaks.lf > 0
    if line_ending == "LF":
        return breaks.cr > 0
    return breaks.cr != breaks.lf


def _max_lines(line_ending: str, breaks: _LineBreaks) -> int:
    if line_ending == "CR" and breaks.lf == 0:
        return breaks.cr + 1
    if line_ending in ("LF", "CRLF") and breaks.cr <= breaks.lf:
        return breaks.lf + 1
    return breaks.cr + breaks.lf + 1

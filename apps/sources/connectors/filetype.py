"""SPEC 3.3: a file whose content does not match its extension is quarantined as a whole.

The arrival name never decides the source (SPEC 2.0), but a claimed type that the bytes
contradict (a zip named `.csv`, a PNG named `.json`) is a mislabelled or corrupted upload, so it
is refused with `content does not match .<ext>` before any parser reads it. Only families are
compared: every text extension accepts any text (DistroKid writes comma files named `.tsv`, and
a JSON capture may arrive as `.txt`); an unknown or missing extension is not checked.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from apps.sources.connectors.base import FileRejected

ZIP_MAGIC = b"PK\x03\x04"
# Binary formats no source delivers as text; a text extension on these is a mismatch.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (ZIP_MAGIC, "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
TEXT_EXTENSIONS = frozenset({"csv", "tsv", "txt", "json", "html", "htm"})
ZIP_EXTENSIONS = frozenset({"zip", "xlsx"})
_HEAD_BYTES = 8


def check_extension(path: Path, original_name: str) -> None:
    """Raise FileRejected when the content contradicts the arrival name's extension."""
    with path.open("rb") as stream:
        reason = extension_mismatch(stream.read(_HEAD_BYTES), original_name)
    if reason:
        raise FileRejected(reason)


def extension_mismatch(head: bytes, original_name: str) -> str | None:
    """Why these first bytes contradict the name's extension, or None (also for no extension).

    Also usable before source detection, so a mislabelled file is refused for what it is
    rather than as "source not recognised".
    """
    extension = PurePath(original_name).suffix.lower().lstrip(".")
    if extension not in TEXT_EXTENSIONS | ZIP_EXTENSIONS or not head:
        # Emptiness has its own, clearer rejection in every parser.
        return None
    looks_like = _binary_name(head)
    if extension in ZIP_EXTENSIONS and looks_like != "ZIP archive":
        return f"content does not match .{extension} (not a ZIP container)"
    if extension in TEXT_EXTENSIONS and looks_like:
        return f"content does not match .{extension} (looks like a {looks_like})"
    return None


def _binary_name(head: bytes) -> str | None:
    """The binary format these bytes start, or None for text (UTF-16 text included)."""
    if head.startswith(_UTF16_BOMS):
        return None
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            return name
    return None

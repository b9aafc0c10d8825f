"""Read a YouTube Studio export zip safely (R13): every limit is checked on the archive's
directory before any byte of an entry is decompressed, and entries are read into memory, never
written to disk, so nothing can land outside a temp directory.

Limits: at most 50 entries, at most 512 MB uncompressed in total, no entry expanding more than
`MAX_COMPRESSION_RATIO` times, no `../`, absolute, NUL-named, symbolic-link or encrypted entry.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import shown

MAX_ENTRIES = 50
MAX_TOTAL_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
# Deflate gets CSV text to 5-20x; 100x is far above any real export and far below a bomb
# (a bomb expands 1000x or more).
MAX_COMPRESSION_RATIO = 100
# Below this size a high ratio cannot hurt (a few KiB of repeated commas compress 200x).
RATIO_CHECKED_FROM_BYTES = 64 * 1024
# A Studio table of 500 videos is about 100 KiB; an entry we read larger than this is not one.
MAX_ENTRY_READ_BYTES = 32 * 1024 * 1024

REFUSED = "archive refused before extraction"

# End of central directory record: signature, then (disk, start disk, entries on this disk,
# total entries, directory size, directory offset, comment length).
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SEARCH_BYTES = 0xFFFF + _EOCD.size
_ENCRYPTED_FLAG = 0x1
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,  # an unknown compression method
    RuntimeError,  # an encrypted entry
    ValueError,
)


@dataclass(frozen=True)
class ZipContents:
    """The wanted entries (folded base name -> (name in the zip, bytes)) and the other names."""

    entries: dict[str, tuple[str, bytes]]
    other_names: tuple[str, ...]


def read_zip(path: Path, wanted: frozenset[str]) -> ZipContents:
    """Check the whole archive, then read the entries whose base name (case folded) is wanted."""
    _check_declared_count(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            check_entries(infos)
            chosen, others = _choose(infos, wanted)
            entries = {key: (info.filename, _read(archive, info)) for key, info in chosen.items()}
    except FileRejected:
        raise
    except _ZIP_ERRORS as error:
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise FileRejected(f"content is not a readable zip archive: {shown(detail)}") from None
    return ZipContents(entries=entries, other_names=tuple(info.filename for info in others))


def check_entries(infos: list[zipfile.ZipInfo]) -> None:
    """FileRejected naming the first limit the archive's directory breaks."""
    if len(infos) > MAX_ENTRIES:
        raise FileRejected(f"{REFUSED}: {len(infos)} entries (limit {MAX_ENTRIES})")
    total = 0
    for info in infos:
        _check_name(info)
        _check_kind(info)
        _check_ratio(info)
        total += info.file_size
    if total > MAX_TOTAL_UNCOMPRESSED_BYTES:
        raise FileRejected(
            f"{REFUSED}: {total} bytes uncompressed (limit {MAX_TOTAL_UNCOMPRESSED_BYTES})"
        )


def _check_declared_count(path: Path) -> None:
    """Refuse a directory of too many entries before zipfile builds an object per entry."""
    try:
        with path.open("rb") as stream:
            size = stream.seek(0, 2)
            stream.seek(max(0, size - _EOCD_SEARCH_BYTES))
            tail = stream.read()
    except OSError:
        return
    position = tail.rfind(_EOCD_SIGNATURE)
    if position < 0 or len(tail) - position < _EOCD.size:
        return
    declared = _EOCD.unpack_from(tail, position)[4]
    # 0xFFFF means "see the zip64 record"; zipfile reads that one and check_entries counts.
    if declared != 0xFFFF and declared > MAX_ENTRIES:
        raise FileRejected(f"{REFUSED}: {declared} entries (limit {MAX_ENTRIES})")


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    normalised = name.replace("\\", "/")
    if "\x00" in name:
        raise FileRejected(f"{REFUSED}: entry {shown(name)} has a NUL in its name")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise FileRejected(f"{REFUSED}: entry {shown(name)} has an absolute path")
    if ".." in PurePosixPath(normalised).parts:
        raise FileRejected(f"{REFUSED}: entry {shown(name)} leaves the archive (../)")


def _check_kind(info: zipfile.ZipInfo) -> None:
    if stat.S_ISLNK(info.external_attr >> 16):
        raise FileRejected(f"{REFUSED}: entry {shown(info.filename)} is a symbolic link")
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise FileRejected(f"{REFUSED}: entry {shown(info.filename)} is encrypted")


def _check_ratio(info: zipfile.ZipInfo) -> None:
    if info.file_size < RATIO_CHECKED_FROM_BYTES:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > MAX_COMPRESSION_RATIO:
        raise FileRejected(
            f"{REFUSED}: entry {shown(info.filename)} expands {ratio:.0f} times "
            f"(limit {MAX_COMPRESSION_RATIO})"
        )


def _choose(
    infos: list[zipfile.ZipInfo], wanted: frozenset[str]
) -> tuple[dict[str, zipfile.ZipInfo], list[zipfile.ZipInfo]]:
    chosen: dict[str, zipfile.ZipInfo] = {}
    others: list[zipfile.ZipInfo] = []
    for info in infos:
        key = PurePosixPath(info.filename.replace("\\", "/")).name.casefold()
        if key not in wanted:
            others.append(info)
            continue
        if key in chosen:
            raise FileRejected(
                f"archive holds {shown(chosen[key].filename)} and {shown(info.filename)}; "
                "expected one of each"
            )
        chosen[key] = info
    return chosen, others


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_ENTRY_READ_BYTES:
        raise FileRejected(
            f"entry {shown(info.filename)} is {info.file_size} bytes "
            f"(limit {MAX_ENTRY_READ_BYTES} for a Studio CSV)"
        )
    with archive.open(info) as stream:
        # Bounded even if the directory lied about the size.
        content = stream.read(MAX_ENTRY_READ_BYTES + 1)
    if len(content) > MAX_ENTRY_READ_BYTES:
        raise FileRejected(f"entry {shown(info.filename)} is larger than its directory says")
    return content

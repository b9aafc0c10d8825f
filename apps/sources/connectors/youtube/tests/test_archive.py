"""R13: a Studio zip is checked before any entry is extracted; nothing is written to disk."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.youtube.tests.helpers import FIXTURES, parse_path, zip_bytes

TABLE = (FIXTURES / "studio_table_total_row_then_three_videos.csv").read_bytes()
REFUSED = "archive refused before extraction"


def _parse(tmp_path: Path, content: bytes) -> str:
    """The rejection of `content` as a Studio zip; opening any entry fails the test, so the
    refusal is proven to come before extraction."""
    path = tmp_path / "export.zip"
    path.write_bytes(content)
    before = sorted(tmp_path.rglob("*"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an entry was opened")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile.ZipFile, "open", refuse)
        with pytest.raises(FileRejected) as rejected:
            parse_path(path, account="zonea0")
    # nothing was extracted next to the archive
    assert sorted(tmp_path.rglob("*")) == before
    return rejected.value.message


def _zip_with(infos: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in infos:
            archive.writestr(info, content)
    return buffer.getvalue()


def test_studio_zip_bomb_is_refused_before_extraction(tmp_path: Path) -> None:
    # given 10 MB of zeros that deflate about 1000 times
    content = zip_bytes({"Table data.csv": b"0" * (10 * 1024 * 1024)})
    message = _parse(tmp_path, content)
    assert message.startswith(f"{REFUSED}: entry 'Table data.csv' expands ")
    assert message.endswith(" times (limit 100)")


def test_studio_zip_over_512_mb_uncompressed_is_refused(tmp_path: Path) -> None:
    # given two stored entries whose directory claims 300 MB each (ratio 1, so no bomb alarm)
    content = bytearray(
        _zip_with(
            [
                (zipfile.ZipInfo("Table data.csv"), TABLE),
                (zipfile.ZipInfo("Totals.csv"), b"Date,Views\n"),
            ]
        )
    )
    claimed = 300 * 1024 * 1024
    position = content.find(b"PK\x01\x02")
    while position >= 0:
        # central directory header: compressed size at +20, uncompressed size at +24
        struct.pack_into("<LL", content, position + 20, claimed, claimed)
        position = content.find(b"PK\x01\x02", position + 4)
    message = _parse(tmp_path, bytes(content))
    assert message == f"{REFUSED}: {2 * claimed} bytes uncompressed (limit {512 * 1024 * 1024})"


def test_studio_zip_with_51_entries_is_refused(tmp_path: Path) -> None:
    entries = {f"part{number}.csv": b"x" for number in range(50)}
    message = _parse(tmp_path, zip_bytes({"Table data.csv": TABLE, **entries}))
    assert message == f"{REFUSED}: 51 entries (limit 50)"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../Table data.csv", "leaves the archive (../)"),
        ("Content/../../Table data.csv", "leaves the archive (../)"),
        ("/etc/Table data.csv", "has an absolute path"),
        ("C:/Table data.csv", "has an absolute path"),
    ],
)
def test_studio_zip_with_a_traversal_entry_is_refused(
    tmp_path: Path, name: str, reason: str
) -> None:
    message = _parse(tmp_path, zip_bytes({name: TABLE}))
    assert message == f"{REFUSED}: entry {name!r} {reason}"


def test_studio_zip_with_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("Totals.csv")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    content = _zip_with([(zipfile.ZipInfo("Table data.csv"), TABLE), (link, b"/etc/passwd")])
    assert _parse(tmp_path, content) == f"{REFUSED}: entry 'Totals.csv' is a symbolic link"


def test_studio_zip_with_an_encrypted_entry_is_refused(tmp_path: Path) -> None:
    # given an entry flagged as encrypted (general purpose bit 0, in both headers)
    content = bytearray(zip_bytes({"Table data.csv": TABLE}))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = content.find(signature) + flag_offset
        content[position] |= 0x1
    assert _parse(tmp_path, bytes(content)) == f"{REFUSED}: entry 'Table data.csv' is encrypted"


def test_truncated_studio_zip_is_not_a_readable_archive(tmp_path: Path) -> None:
    content = zip_bytes({"Table data.csv": TABLE})[:60]
    assert _parse(tmp_path, content).startswith("content is not a readable zip archive")

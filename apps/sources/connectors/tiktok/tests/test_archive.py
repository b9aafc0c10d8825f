"""Zip limits checked on the directory before any entry is decompressed (R13)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.tiktok import archive, samples
from apps.sources.connectors.tiktok.archive import check_entries, read_zip

WriteFile = Callable[..., Path]
WANTED = frozenset({"overview.csv", "followerhistory.csv"})


@pytest.fixture
def opened_entries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of every entry opened for reading (decompression starts at `ZipFile.open`)."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: object, mode: str = "r", **kwargs: object) -> object:
        if mode == "r":
            opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else str(name))
        return original(self, name, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def _refusal(path: Path) -> str:
    with pytest.raises(FileRejected) as rejected:
        read_zip(path, WANTED)
    return rejected.value.message


def test_read_zip_refuses_a_bomb_before_extraction(
    write_file: WriteFile, opened_entries: list[str]
) -> None:
    # given a zip whose Overview.csv expands 8 MiB from a few KiB
    path = write_file(samples.bomb_zip(), "bomb.zip")

    # when it is read
    message = _refusal(path)

    # then it is refused for its ratio, and no entry was opened
    assert message.startswith("archive refused before extraction: entry 'Overview.csv' expands ")
    assert message.endswith(" times (limit 100)")
    assert opened_entries == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/Overview.csv", "leaves the archive (../)"),
        ("data/../../Overview.csv", "leaves the archive (../)"),
        ("..\\..\\Overview.csv", "leaves the archive (../)"),
        ("/etc/Overview.csv", "has an absolute path"),
        ("C:/temp/Overview.csv", "has an absolute path"),
    ],
)
def test_read_zip_refuses_traversal_and_absolute_names(
    write_file: WriteFile, opened_entries: list[str], name: str, reason: str
) -> None:
    # given a zip with an entry escaping the extraction folder
    path = write_file(samples.traversal_zip(name), "evil.zip")

    # when it is read; then refused with the reason, nothing opened
    assert _refusal(path) == f"archive refused before extraction: entry {name!r} {reason}"
    assert opened_entries == []


def test_read_zip_refuses_a_symbolic_link(write_file: WriteFile, opened_entries: list[str]) -> None:
    # given a zip with a symlink entry
    path = write_file(samples.symlink_zip(), "link.zip")

    # when it is read; then refused, nothing opened
    assert _refusal(path) == (
        "archive refused before extraction: entry 'FollowerHistory.csv' is a symbolic link"
    )
    assert opened_entries == []


def test_read_zip_refuses_more_than_fifty_entries_from_the_end_record(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a zip of 51 entries
    path = write_file(samples.many_entries_zip(51), "many.zip")
    built: list[object] = []
    monkeypatch.setattr(zipfile, "ZipFile", lambda *args, **kwargs: built.append(args))

    # when it is read; then refused from the end record, before zipfile lists the directory
    assert _refusal(path) == "archive refused before extraction: 51 entries (limit 50)"
    assert built == []


def test_check_entries_counts_entries_when_the_end_record_defers_to_zip64() -> None:
    # given a directory of 51 entries (as zipfile lists it from a zip64 record)
    infos = [zipfile.ZipInfo(f"entry_{index}.csv") for index in range(51)]

    # when checked; then refused
    with pytest.raises(FileRejected) as rejected:
        check_entries(infos)
    assert rejected.value.message == "archive refused before extraction: 51 entries (limit 50)"


def test_check_entries_refuses_more_than_512_mb_uncompressed_in_total() -> None:
    # given two entries of 300 MB each that barely compress (so no ratio limit applies)
    infos = []
    for name in ("Overview.csv", "FollowerHistory.csv"):
        info = zipfile.ZipInfo(name)
        info.file_size = 300_000_000
        info.compress_size = 290_000_000
        infos.append(info)

    # when checked; then refused for the total
    with pytest.raises(FileRejected) as rejected:
        check_entries(infos)
    assert rejected.value.message == (
        "archive refused before extraction: 600000000 bytes uncompressed (limit 536870912)"
    )


def test_check_entries_accepts_fifty_entries_at_the_limit() -> None:
    # given exactly 50 small entries; when checked; then nothing is raised
    check_entries([zipfile.ZipInfo(f"entry_{index}.csv") for index in range(50)])


def test_read_zip_refuses_an_encrypted_entry(write_file: WriteFile) -> None:
    # given a zip whose entry has the encryption flag
    path = write_file(samples.encrypted_zip(), "locked.zip")

    # when it is read; then refused
    assert _refusal(path) == "archive refused before extraction: entry 'Overview.csv' is encrypted"


def test_read_zip_refuses_two_overview_entries(write_file: WriteFile) -> None:
    # given a zip with Overview.csv in two folders
    content = samples.zip_bytes({"a/Overview.csv": b"x", "b/Overview.csv": b"y"})
    path = write_file(content, "twice.zip")

    # when it is read; then refused: which one is the export is unknowable
    assert _refusal(path) == (
        "archive holds 'a/Overview.csv' and 'b/Overview.csv'; expected one of each"
    )


def test_read_zip_refuses_a_truncated_archive(write_file: WriteFile) -> None:
    # given the first half of a zip
    content = samples.zip_bytes({"Overview.csv": samples.LEGACY_OVERVIEW_HEADER.encode()})
    path = write_file(content[: len(content) // 2], "cut.zip")

    # when it is read; then refused as unreadable
    assert _refusal(path).startswith("content is not a readable zip archive: ")


def test_read_zip_reads_wanted_entries_by_base_name_in_any_folder(write_file: WriteFile) -> None:
    # given a zip with the export in a folder and an unrelated entry
    content = samples.zip_bytes({"export/OVERVIEW.CSV": b"a,b\n", "notes.txt": b"hello"})
    path = write_file(content, "ok.zip")

    # when it is read
    contents = read_zip(path, WANTED)

    # then the wanted entry is read, the other only listed
    assert contents.entries == {"overview.csv": ("export/OVERVIEW.CSV", b"a,b\n")}
    assert contents.other_names == ("notes.txt",)


def test_ratio_limit_ignores_small_entries() -> None:
    # given a small entry that compresses extremely well
    info = zipfile.ZipInfo("Overview.csv")
    info.file_size = archive.RATIO_CHECKED_FROM_BYTES - 1
    info.compress_size = 1

    # when checked; then accepted: a few KiB cannot hurt, and repeated commas compress well
    check_entries([info])

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile

from apps.lake.storage import AtomicFileSystemStorage


def test_atomic_storage_replaces_whole_files_and_leaves_no_temp(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=str(tmp_path))
    storage.save("raw/x/a.tsv", ContentFile(b"old"))
    storage.save("raw/x/a.tsv", ContentFile(b"new"))
    assert (tmp_path / "raw/x/a.tsv").read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "raw/x").iterdir()) == ["a.tsv"]


def test_atomic_storage_crash_before_rename_keeps_the_old_file(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=str(tmp_path))
    storage.save("raw/a.tsv", ContentFile(b"old"))
    with (
        mock.patch.object(os, "replace", side_effect=OSError("disk gone")),
        pytest.raises(OSError, match="disk gone"),
    ):
        storage.save("raw/a.tsv", ContentFile(b"new-but-never-visible"))
    assert (tmp_path / "raw/a.tsv").read_bytes() == b"old"
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["a.tsv"]

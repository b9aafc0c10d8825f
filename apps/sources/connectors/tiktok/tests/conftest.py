"""Fixtures of the TikTok parser tests: recorded files and files written on the fly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[bytes, str], Path]:
    """Write bytes under a name of the test's choosing and return the path."""
    written = iter(range(1_000_000))

    def write(content: bytes, name: str = "") -> Path:
        folder = tmp_path / f"file{next(written)}"
        folder.mkdir()
        path = folder / (name or "upload.csv")
        path.write_bytes(content)
        return path

    return write

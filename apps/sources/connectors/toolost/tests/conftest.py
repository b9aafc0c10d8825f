"""Fixtures of the TooLost parser tests: recorded files and files written on the fly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_path() -> Callable[[str], Path]:
    def path(name: str) -> Path:
        return FIXTURES / name

    return path


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write bytes under a name in a fresh folder and return the path."""

    def write(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write

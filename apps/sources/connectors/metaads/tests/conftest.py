"""Fixtures of the Meta Ads parser tests: files written on the fly next to the recorded ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteFile = Callable[[bytes, str], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write bytes under a name (the name never decides anything) and return the path."""

    def write(content: bytes, name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write

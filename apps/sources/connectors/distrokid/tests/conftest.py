"""Fixtures of the DistroKid parser tests: recorded files and files written on the fly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apps.sources.connectors.distrokid.tests.helpers import FIXTURES


@pytest.fixture
def fixture_path() -> Callable[[str], Path]:
    def path(name: str) -> Path:
        return FIXTURES / name

    return path


@pytest.fixture
def statement_path(tmp_path: Path) -> Callable[[bytes], Path]:
    """Write bytes to a file named like a DistroKid export and return its path."""
    written = iter(range(1_000_000))

    def write(content: bytes, name: str = "") -> Path:
        path = tmp_path / (name or f"DistroKid_{next(written)}.tsv")
        path.write_bytes(content)
        return path

    return write

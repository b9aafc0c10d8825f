"""Fixtures of the Instagram parser tests: recorded payloads, written files, a known account."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apps.sources.connectors.instagram import accounts
from apps.sources.connectors.instagram.samples import SAMPLE_USER_ID

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write bytes under a name of the test's choosing and return the path."""
    written = iter(range(1_000_000))

    def write(content: bytes, name: str = "upload.json") -> Path:
        folder = tmp_path / f"file{next(written)}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(content)
        return path

    return write


@pytest.fixture
def known_account(monkeypatch: pytest.MonkeyPatch) -> str:
    """The sample IG user id registered as account `zonea0` for the test's duration."""
    known = accounts.InstagramAccount(slug="zonea0", user_id=SAMPLE_USER_ID, username="zone.a0")
    monkeypatch.setattr(accounts, "INSTAGRAM_ACCOUNTS", (known,))
    return known.slug

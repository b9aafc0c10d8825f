"""Shared pieces of the browser-extractor tests: stored logins, curated rows, a landing dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.lake.curated import curated_partitions
from apps.sources.credentials import credential_load, credential_save


def cookie(name: str, value: str, *, expires: float = -1) -> dict[str, Any]:
    """A cookie of the fake site on 127.0.0.1, as Playwright's storage state writes it."""
    return {
        "name": name,
        "value": value,
        "domain": "127.0.0.1",
        "path": "/",
        "expires": expires,
        "httpOnly": True,
        "secure": False,
        "sameSite": "Lax",
    }


def store_state(source: str, account: str, *, cookies: list[dict[str, Any]],
                origins: list[dict[str, Any]] | None = None) -> None:  # fmt: skip
    credential_save(
        source=source,
        account=account,
        kind="storage_state",
        data={"cookies": cookies, "origins": origins or []},
    )


def store_password(source: str, account: str, username: str, password: str) -> None:
    credential_save(
        source=source,
        account=account,
        kind="password",
        data={"username": username, "password": password},
    )


def stored_cookie(source: str, account: str, name: str) -> str | None:
    """The value of one cookie in the storage state saved back after a run."""
    state = credential_load(source=source, account=account, kind="storage_state") or {}
    values = [c["value"] for c in state.get("cookies", []) if c["name"] == name]
    return values[0] if values else None


def curated_rows(dataset: str) -> list[dict[str, object]]:
    """Every current curated row of a dataset, lineage columns left out, in key order."""
    rows = [row for table in curated_partitions(dataset) for row in table.to_pylist()]
    for row in rows:
        row.pop("captured_at", None)
        row.pop("source_file_id", None)
    return sorted(rows, key=lambda row: [str(value) for value in row.values()])


@pytest.fixture
def landing_dir(tmp_path: Path) -> Path:
    return tmp_path / "landing"

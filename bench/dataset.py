"""The benchmark's statement file: generated once per set of parameters, then reused."""

from __future__ import annotations

import hashlib
import inspect
import time
from dataclasses import dataclass
from pathlib import Path

from apps.sources.connectors.distrokid import samples, schemas

SCHEMA_ID = "dk_current_15"


@dataclass(frozen=True)
class StatementFile:
    path: Path
    lines: int
    seed: int
    months: int
    size_bytes: int
    generated_s: float | None  # None when an earlier run's file was reused


def _generator_digest() -> str:
    """Part of the file name, so a change to the generator never reuses a stale file."""
    source = inspect.getsource(samples) + inspect.getsource(schemas)
    return hashlib.sha256(source.encode()).hexdigest()[:10]


def statement_file(out_dir: Path, *, lines: int, seed: int, months: int) -> StatementFile:
    name = f"{SCHEMA_ID}-{lines}l-s{seed}-m{months}-g{_generator_digest()}.csv"
    path = out_dir / "data" / name
    generated_s = None
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        samples.write_statement(path, schema_id=SCHEMA_ID, lines=lines, seed=seed, months=months)
        generated_s = time.monotonic() - started
    return StatementFile(path, lines, seed, months, path.stat().st_size, generated_s)

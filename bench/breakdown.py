"""Where an ingest spends its time and memory, step by step:
`python -m bench.breakdown FILE OUT_JSON [--cprofile PROF]` (env as for `manage.py ingest`).

It runs the same `ingest` command in-process with the lake and warehouse steps wrapped: each
wrapper times its step, and a sampler thread charges the process RSS to every step active at
that moment (a sample every 20 ms, so a step's peak is approximate; the child's exact peak is
the kernel's). Steps nest: `load/upsert/commit` is the commit inside an upsert inside the load.
The instrumented run is a little slower than the measured one and is reported apart from it.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STARTED = time.monotonic()
SAMPLE_INTERVAL_S = 0.02
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


class Recorder:
    """Nested step timings and the peak RSS seen while each step was active."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.steps: dict[str, dict[str, float]] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            # A helper thread (the load's CSV encoder) overlaps the main thread's steps: its
            # time is its own, listed apart, and it must not push onto the main stack.
            with self._timed(f"(helper thread) {label}"):
                yield
            return
        with self.lock:
            self.stack.append(label)
            path = "/".join(self.stack)
        try:
            with self._timed(path):
                yield
        finally:
            with self.lock:
                self.stack.pop()

    @contextmanager
    def _timed(self, path: str) -> Iterator[None]:
        with self.lock:
            entry = self.steps.setdefault(path, {"seconds": 0.0, "calls": 0, "peak_rss": 0})
            entry["peak_rss"] = max(entry["peak_rss"], _rss())
        started = time.monotonic()
        try:
            yield
        finally:
            with self.lock:
                entry["seconds"] += time.monotonic() - started
                entry["calls"] += 1
                entry["peak_rss"] = max(entry["peak_rss"], _rss())

    def sample_forever(self) -> None:
        while not self.stopped.wait(SAMPLE_INTERVAL_S):
            rss = _rss()
            with self.lock:
                for depth in range(1, len(self.stack) + 1):
                    entry = self.steps.get("/".join(self.stack[:depth]))
                    if entry is not None:
                        entry["peak_rss"] = max(entry["peak_rss"], rss)


RECORDER = Recorder()


def wrap(owner: Any, name: str, label: str | Callable[..., str]) -> None:
    """Replace owner.name by a timed version; a label function names the step from the args."""
    original = getattr(owner, name, None)
    if original is None:
        return

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        with RECORDER.step(label(*args, **kwargs) if callable(label) else label):
            return original(*args, **kwargs)

    setattr(owner, name, timed)


def _storage_label(storage: Any, name: str, content: Any) -> str:
    return f"write {name.split('/', 1)[0]} file"


def _sql_label(execute: Any, sql: str, params: Any, many: bool, context: Any) -> str:
    return "sql " + sql.lstrip().split(None, 1)[0].upper()


def instrument() -> None:
    """Wrap the lake and warehouse steps where their callers look them up."""
    import psycopg
    import pyarrow.csv
    import pyarrow.parquet
    from django.db import connections

    from apps.lake import curated, services, storage
    from apps.warehouse import loaders, upsert
    from apps.warehouse import services as warehouse_services

    wrap(warehouse_services, "lake_file_register", "register")
    wrap(services, "_spool", "spool+sha256")
    wrap(services, "_detect", "detect source")
    wrap(warehouse_services, "lake_file_promote", "promote")
    wrap(warehouse_services, "lake_file_stage", "stage")
    wrap(services, "_parse", "parse")
    wrap(warehouse_services, "lake_file_curate", "curate")
    wrap(services, "curated_merge", "merge dataset")
    wrap(curated, "partition_read", "read partition")
    wrap(curated, "_merge_partition", "merge partition")
    wrap(curated, "_write_parquet", "write partition")
    wrap(warehouse_services, "warehouse_file_load", "load")
    wrap(warehouse_services, "warehouse_load_record", "record load")
    wrap(loaders, "statement_lines_frame", "resolve keys (frame)")
    wrap(loaders, "statement_releases_load", "releases")
    wrap(loaders, "bulk_upsert", "upsert")
    wrap(upsert, "_copy_when_all_new", "copy when all new")
    wrap(loaders, "statement_lines_load_if_all_new", "load partitions if all new")
    loaders.ALL_NEW_LOADERS["statement_lines"] = loaders.statement_lines_load_if_all_new
    wrap(loaders, "bulk_insert_if_all_new", "sorted copy if all new")
    wrap(loaders, "revenue_rollup_add", "rollup add")
    for name in ("_upsert_postgresql", "_upsert_portable"):
        wrap(upsert, name, "upsert " + name.removeprefix("_upsert_"))
    wrap(pyarrow.parquet, "write_table", "parquet encode")
    wrap(pyarrow.csv, "write_csv", "csv encode")
    wrap(storage.AtomicFileSystemStorage, "_save", _storage_label)
    wrap(type(connections["default"]), "commit", "commit")
    original_copy = psycopg.Cursor.copy

    @contextmanager
    def timed_copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with RECORDER.step("sql COPY"), original_copy(self, statement, *args, **kwargs) as copy:
            yield copy

    psycopg.Cursor.copy = timed_copy  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cprofile", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bedrot_site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    instrument()
    startup_s = time.monotonic() - STARTED
    sampler = threading.Thread(target=RECORDER.sample_forever, daemon=True)
    sampler.start()
    profile = cProfile.Profile() if args.cprofile else None
    output = io.StringIO()
    started = time.monotonic()
    with connection.execute_wrapper(_timed_sql):
        if profile:
            profile.enable()
        call_command("ingest", str(args.path), stdout=output)
        if profile:
            profile.disable()
    ingest_s = time.monotonic() - started
    RECORDER.stopped.set()
    if profile and args.cprofile:
        profile.dump_stats(args.cprofile)
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(40)
        args.cprofile.with_suffix(".txt").write_text(text.getvalue())
    result = {
        "startup_s": round(startup_s, 3),
        "ingest_s": round(ingest_s, 3),
        "output": output.getvalue().strip(),
        "steps": [
            {
                "step": path,
                "seconds": round(entry["seconds"], 3),
                "calls": int(entry["calls"]),
                "peak_rss_bytes": int(entry["peak_rss"]),
            }
            for path, entry in RECORDER.steps.items()
        ],
    }
    args.out.write_text(json.dumps(result, indent=2))


def _timed_sql(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    with RECORDER.step(_sql_label(execute, sql, params, many, context)):
        return execute(sql, params, many, context)


if __name__ == "__main__":
    main()

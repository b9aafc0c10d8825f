"""B1 and B2 (SPEC section 8): a million-line DistroKid statement through every zone, its lower
bound measured in the same run, and the re-ingest of the same bytes.

Every measured command is a subprocess of its own, so each peak RSS is that process's alone:
`manage.py ingest FILE` against a fresh `bedrot_bench` database (the warehouse figure), and
`python -m bench.lower_bound` against a scratch database (pandas read + COPY).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import pg
from bench.dataset import StatementFile
from bench.measure import ROOT, Measured, run_measured

DATABASE = "bedrot_bench"
SCRATCH_DATABASE = "bedrot_bench_scratch"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
DEFAULT_UPLOAD_MAX_BYTES = 256 * 1024 * 1024

# Targets of SPEC section 8.
PEAK_RSS_TARGET_BYTES = 1_000_000_000
RATIO_TARGET = 3.0
DUPLICATE_TARGET_S = 5.0

STATEMENT_TOTALS = """
    SELECT count(*), count(DISTINCT (distributor_id, line_fingerprint, occurrence)),
           coalesce(sum(earnings_usd), 0)::text, count(*) FILTER (WHERE occurrence > 1)
    FROM warehouse_statementline
"""
LAKE_FILES = """
    SELECT id, status, rows_in, rows_out, rows_rejected, timings
    FROM lake_lakefile ORDER BY id
"""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _check(name: str, ok: bool, detail: object = "") -> Check:
    return Check(name, bool(ok), str(detail))


def child_env(out_dir: Path, database_url: str, statement: StatementFile) -> dict[str, str]:
    """Environment of `manage.py`: the bench database, lake and var folders, Redis db 9."""
    return manage_env(out_dir, database_url, largest_file_bytes=statement.size_bytes)


def manage_env(out_dir: Path, database_url: str, *, largest_file_bytes: int) -> dict[str, str]:
    """Environment of `manage.py` with the lake and var folders under `out_dir`."""
    env = dict(os.environ)
    for inherited in ("LAKE_S3_BUCKET", "BEDROT_WORK_DIR", "DJANGO_SETTINGS_MODULE"):
        env.pop(inherited, None)
    env.update(
        DATABASE_URL=database_url,
        LAKE_ROOT=str(out_dir / "lake"),
        BEDROT_VAR_DIR=str(out_dir / "var"),
        REDIS_URL=REDIS_URL,
        BEDROT_ENV="development",
        DJANGO_DEBUG="false",
        # A BENCH_LINES past the 256 MiB upload limit must still be accepted.
        BEDROT_UPLOAD_MAX_BYTES=str(max(DEFAULT_UPLOAD_MAX_BYTES, largest_file_bytes)),
    )
    return env


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def fresh_warehouse(out_dir: Path, statement: StatementFile) -> tuple[dict[str, str], Measured]:
    """Empty `bedrot_bench` database and lake folders, migrated; returns the child env."""
    database_url = pg.recreate_database(DATABASE)
    for folder in ("lake", "var"):
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    env = child_env(out_dir, database_url, statement)
    migrated = run_measured(
        manage("migrate", "--noinput", "-v", "0"), env=env, log_path=out_dir / "logs/migrate.log"
    )
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{migrated.output[-3000:]}")
    return env, migrated


def lower_bound(out_dir: Path, statement: StatementFile, runs: int) -> dict[str, Any]:
    """pandas read + COPY into an unindexed logged table, `runs` times; the median counts."""
    database_url = pg.recreate_database(SCRATCH_DATABASE)
    results = []
    try:
        for run in range(runs):
            pg.checkpoint()
            measured = run_measured(
                [sys.executable, "-m", "bench.lower_bound", str(statement.path), database_url],
                env=dict(os.environ),
                log_path=out_dir / f"logs/lower_bound-{run + 1}.log",
            )
            if measured.returncode != 0:
                raise RuntimeError(f"lower bound failed:\n{measured.output[-3000:]}")
            figures = json.loads(measured.output.strip().splitlines()[-1])
            figures.update(process_wall_s=round(measured.wall_s, 3), peak_rss=measured.peak_bytes)
            results.append(figures)
    finally:
        pg.drop_database(SCRATCH_DATABASE)
    return {
        "median_s": statistics.median(result["total_s"] for result in results),
        "peak_rss_bytes": max(result["peak_rss"] for result in results),
        "runs": results,
    }


def ingest_once(out_dir: Path, statement: StatementFile) -> dict[str, Any]:
    """Fresh database, then `manage.py ingest FILE`, measured; then the load is verified."""
    env, migrated = fresh_warehouse(out_dir, statement)
    pg.checkpoint()
    measured = run_measured(
        manage("ingest", str(statement.path)), env=env, log_path=out_dir / "logs/ingest.log"
    )
    database_url = env["DATABASE_URL"]
    return {
        "env": env,
        "migrate_s": round(migrated.wall_s, 3),
        "measured": measured,
        "lake_files": pg.fetch_all(database_url, LAKE_FILES),
        "totals": pg.fetch_one(database_url, STATEMENT_TOTALS),
    }


def verify_ingest(
    run: dict[str, Any], statement: StatementFile, bound: dict[str, Any]
) -> list[Check]:
    """The load is complete and exact: counts conserved, every line in the warehouse once."""
    measured: Measured = run["measured"]
    files = run["lake_files"]
    count, distinct, earnings, _ = run["totals"]
    checks = [
        _check("ingest exit status 0", measured.returncode == 0, measured.returncode),
        _check("ingest reports accepted", " accepted " in measured.output, _last_line(measured)),
        _check("one lake file", len(files) == 1, len(files)),
    ]
    if len(files) != 1:
        return checks
    _, status, rows_in, rows_out, rejected, _ = files[0]
    rejected = rejected or 0
    reference = bound["runs"][0]
    checks += [
        _check("lake file loaded", status == "loaded", status),
        _check(
            "rows_in == rows_out + rows_rejected",
            rows_in is not None and rows_in == (rows_out or 0) + rejected,
            f"{rows_in} == {rows_out} + {rejected}",
        ),
        _check("rows_in == lines in the file", rows_in == statement.lines, rows_in),
        _check("warehouse count(*) == rows_out", count == rows_out, f"{count} == {rows_out}"),
        _check("natural keys distinct", distinct == count, f"{distinct} distinct of {count}"),
        _check(
            "warehouse count(*) == lower-bound rows - rejected",
            count == reference["table_rows"] - rejected,
            f"{count} == {reference['table_rows']} - {rejected}",
        ),
    ]
    if rejected == 0:
        checks.append(
            _check(
                "sum(earnings) == lower-bound sum",
                earnings == reference["earnings_sum"],
                f"{earnings} == {reference['earnings_sum']}",
            )
        )
    return checks


def _last_line(measured: Measured) -> str:
    lines = [line for line in measured.output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _snapshot(database_url: str) -> dict[str, Any]:
    count, _, earnings, _ = pg.fetch_one(database_url, STATEMENT_TOTALS)
    lake_files = pg.fetch_one(database_url, "SELECT count(*) FROM lake_lakefile")[0]
    loads = pg.fetch_one(database_url, "SELECT count(*) FROM warehouse_warehouseload")[0]
    return {"lines": count, "earnings": earnings, "lake_files": lake_files, "loads": loads}


def reingest(out_dir: Path, statement: StatementFile, env: dict[str, str]) -> dict[str, Any]:
    """B2: the same bytes again. Rows written since (xmin newer than a transaction id taken
    before) are counted directly, besides comparing count and sum of earnings."""
    database_url = env["DATABASE_URL"]
    before = _snapshot(database_url)
    xid = pg.fetch_one(database_url, "SELECT mod(txid_current(), 4294967296)")[0]
    measured = run_measured(
        manage("ingest", str(statement.path)), env=env, log_path=out_dir / "logs/reingest.log"
    )
    after = _snapshot(database_url)
    touched = pg.fetch_one(
        database_url,
        "SELECT count(*) FROM warehouse_statementline WHERE xmin::text::bigint >= %s",
        (xid,),
    )[0]
    checks = [
        _check("re-ingest exit status 0", measured.returncode == 0, measured.returncode),
        _check("reports duplicate", ": duplicate" in measured.output, _last_line(measured)),
        _check("count and sum unchanged", before == after, f"{before} -> {after}"),
        _check("0 statement lines written", touched == 0, touched),
    ]
    return {"measured": measured, "before": before, "after": after, "checks": checks}


def breakdown(out_dir: Path, statement: StatementFile, *, with_cprofile: bool) -> dict[str, Any]:
    """The instrumented ingest (bench.breakdown) on another fresh database."""
    env, _ = fresh_warehouse(out_dir, statement)
    pg.checkpoint()
    result_path = out_dir / "breakdown.json"
    argv = [sys.executable, "-m", "bench.breakdown", str(statement.path), str(result_path)]
    if with_cprofile:
        argv += ["--cprofile", str(out_dir / "ingest.prof")]
    measured = run_measured(argv, env=env, log_path=out_dir / "logs/breakdown.log")
    if measured.returncode != 0:
        raise RuntimeError(f"breakdown failed:\n{measured.output[-3000:]}")
    result = json.loads(result_path.read_text())
    result.update(process_wall_s=round(measured.wall_s, 3), peak_rss_bytes=measured.peak_bytes)
    result["lake_files"] = pg.fetch_all(env["DATABASE_URL"], LAKE_FILES)
    return result


def checks_json(checks: list[Check]) -> list[dict[str, Any]]:
    return [asdict(check) for check in checks]

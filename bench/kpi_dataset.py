"""B3's warehouse (SPEC section 8): a million statement lines and five years of daily streams.

Built once per set of parameters on its own PostgreSQL database (`bedrot_bench_kpi`), through
the product's own commands wherever they exist:

1. `manage.py migrate`, then `manage.py load_demo`: the demo files through the real pipeline, so
   the marketing and audience endpoints have campaigns, ad days and audience facts to read.
2. `manage.py ingest FILE`: a generated `dk_current_15` statement of BENCH_LINES lines whose sale
   months span the five years (2021-01 .. 2025-12), through every zone into the warehouse.
3. Five years of daily streams up to yesterday for the statement's busiest platforms under every
   distributor, written with one `COPY` (no stream-chart generator covers five years; the
   warehouse rows are what the KPIs read). Days the demo already loaded keep the demo's value.
4. `VACUUM (ANALYZE)`, as autovacuum would have done on a server that has been running.
5. A staff user and its API token (`manage.py drf_create_token`).

A later run with the same parameters reuses the database (the statement file is reused too).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from apps.sources.connectors.distrokid import samples
from bench import pg
from bench.dataset import SCHEMA_ID, StatementFile, _generator_digest
from bench.ingest import child_env, manage
from bench.measure import run_measured

# Its own database and folders, so B3 never touches B1's `bedrot_bench`.
DATABASE = os.environ.get("BENCH_KPI_DATABASE", "bedrot_bench_kpi")
STAFF_USERNAME = "bench-staff"
FIRST_SALE_MONTH = date(2021, 1, 1)
SALE_MONTHS = 60
STREAM_YEARS = 5
STREAM_PLATFORMS = 8  # the statement's busiest platforms get a daily series per distributor

CREATE_STAFF = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.update_or_create(username='{STAFF_USERNAME}', "
    "defaults={'is_staff': True, 'is_active': True})"
)


@dataclass(frozen=True)
class KpiWarehouse:
    database_url: str
    env: dict[str, str]
    token: str
    statement_lines: int
    stream_rows: int
    stream_first: str
    stream_last: str
    build_s: dict[str, float]  # seconds per build step; empty when reused
    reused: bool


def five_year_statement(out_dir: Path, *, lines: int, seed: int) -> StatementFile:
    """The statement, sale months 2021-01 .. 2025-12, generated once and then reused."""
    name = (
        f"{SCHEMA_ID}-{lines}l-s{seed}-m{SALE_MONTHS}-f{FIRST_SALE_MONTH:%Y%m}"
        f"-g{_generator_digest()}.csv"
    )
    path = out_dir / "data" / name
    generated_s = None
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        samples.write_statement(
            path,
            schema_id=SCHEMA_ID,
            lines=lines,
            seed=seed,
            first_month=FIRST_SALE_MONTH,
            months=SALE_MONTHS,
        )
        generated_s = time.monotonic() - started
    return StatementFile(path, lines, seed, SALE_MONTHS, path.stat().st_size, generated_s)


def _run(out_dir: Path, env: dict[str, str], log: str, *args: str) -> tuple[bool, str]:
    measured = run_measured(manage(*args), env=env, log_path=out_dir / "logs" / f"{log}.log")
    return measured.returncode == 0, measured.output


def _run_checked(out_dir: Path, env: dict[str, str], log: str, *args: str) -> str:
    ok, output = _run(out_dir, env, log, *args)
    if not ok:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{output[-3000:]}")
    return output


def daily_stream_series(
    platform_ids: list[int], distributor_ids: list[int], *, last: date, seed: int
) -> tuple[io.StringIO, int, date]:
    """Tab-separated (date, platform, distributor, streams) rows for COPY: per series a level,
    growth over the years, a weekly rhythm and day-to-day noise, so growth and drops are real."""
    rng = np.random.default_rng(seed)
    first = last - timedelta(days=365 * STREAM_YEARS)
    days = (last - first).days + 1
    dates = [(first + timedelta(days=offset)).isoformat() for offset in range(days)]
    trend = np.linspace(0.4, 1.0, days)
    weekly = 1 + 0.12 * np.sin(2 * np.pi * (np.arange(days) + first.weekday()) / 7)
    buffer = io.StringIO()
    rows = 0
    for platform_id in platform_ids:
        for distributor_id in distributor_ids:
            level = rng.uniform(200, 20_000)
            noise = rng.lognormal(0.0, 0.15, days)
            streams = np.maximum(0, np.rint(level * trend * weekly * noise)).astype(np.int64)
            for day, value in zip(dates, streams.tolist(), strict=True):
                buffer.write(f"{day}\t{platform_id}\t{distributor_id}\t{value}\n")
            rows += days
    buffer.seek(0)
    return buffer, rows, first


def load_daily_streams(database_url: str, *, seed: int) -> tuple[int, date, date]:
    """Five years up to yesterday; days already loaded (the demo's) are kept."""
    with psycopg.connect(database_url) as conn:
        platform_ids = [
            row[0]
            for row in conn.execute(
                "SELECT platform_id FROM warehouse_statementline WHERE platform_id IS NOT NULL "
                "GROUP BY platform_id ORDER BY count(*) DESC LIMIT %s",
                (STREAM_PLATFORMS,),
            )
        ]
        distributor_ids = [row[0] for row in conn.execute("SELECT id FROM warehouse_distributor")]
        last = datetime.now(tz=UTC).date() - timedelta(days=1)
        rows, count, first = daily_stream_series(
            platform_ids, distributor_ids, last=last, seed=seed
        )
        conn.execute(
            "CREATE TEMP TABLE bench_streams (date date, platform_id bigint, "
            "distributor_id bigint, streams bigint) ON COMMIT DROP"
        )
        with conn.cursor().copy("COPY bench_streams FROM STDIN") as copy:
            while chunk := rows.read(1 << 20):
                copy.write(chunk)
        conn.execute(
            "INSERT INTO warehouse_dailystream (date, platform_id, distributor_id, streams) "
            "SELECT date, platform_id, distributor_id, streams FROM bench_streams "
            "ON CONFLICT (date, platform_id, distributor_id) DO NOTHING"
        )
    return count, first, last


def staff_token(out_dir: Path, env: dict[str, str]) -> str:
    _run_checked(out_dir, env, "create_staff", "shell", "-c", CREATE_STAFF)
    output = _run_checked(out_dir, env, "token", "drf_create_token", STAFF_USERNAME)
    # DRF prints "Generated token <key> for user <name>".
    return output.split("Generated token ", 1)[1].split()[0]


def _database_exists(name: str) -> bool:
    found = pg.fetch_one(
        pg.ADMIN_URL, "SELECT count(*) FROM pg_database WHERE datname = %s", (name,)
    )
    return bool(found[0])


def _reusable(marker: Path, params: dict[str, Any]) -> dict[str, Any] | None:
    if not marker.is_file() or not _database_exists(DATABASE):
        return None
    built = json.loads(marker.read_text())
    return built if built.get("params") == params else None


def kpi_folder(out_dir: Path) -> Path:
    return out_dir / "kpi" / DATABASE


@contextmanager
def exclusive_run(out_dir: Path) -> Iterator[None]:
    """One B3 run per database at a time: a second one would drop the first one's database."""
    folder = kpi_folder(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(
                f"another B3 run is using {DATABASE}; wait for it or set BENCH_KPI_DATABASE"
            ) from None
        yield


def kpi_warehouse(
    out_dir: Path, *, lines: int, seed: int, redis_url: str, reuse: bool
) -> KpiWarehouse:
    """The B3 database, built (about two minutes for a million lines) or reused."""
    kpi_dir = kpi_folder(out_dir)
    statement = five_year_statement(out_dir, lines=lines, seed=seed)
    params = {"lines": lines, "seed": seed, "statement": statement.path.name}
    marker = kpi_dir / "warehouse.json"
    env = child_env(kpi_dir, pg.database_url(DATABASE), statement)
    env["REDIS_URL"] = redis_url
    built = _reusable(marker, params) if reuse else None
    if built is not None:
        return KpiWarehouse(**{**built["warehouse"], "env": env, "build_s": {}, "reused": True})

    marker.unlink(missing_ok=True)
    database_url = pg.recreate_database(DATABASE)
    for folder in ("lake", "var"):
        shutil.rmtree(kpi_dir / folder, ignore_errors=True)
    timings: dict[str, float] = {}
    started = time.monotonic()
    for step, args in (
        ("migrate", ("migrate", "--noinput", "-v", "0")),
        ("load_demo", ("load_demo",)),
        ("ingest", ("ingest", str(statement.path))),
    ):
        # The demo only feeds the marketing and audience endpoints: its failure is reported,
        # and B3 (kpis, revenue, streaming) still runs on the statement and the streams.
        if step != "load_demo":
            _run_checked(kpi_dir, env, step, *args)
        elif not _run(kpi_dir, env, step, *args)[0]:
            print(f"WARNING: manage.py load_demo failed; see {kpi_dir / 'logs/load_demo.log'}")
        timings[step] = round(time.monotonic() - started, 1)
        started = time.monotonic()
    _, first, last = load_daily_streams(database_url, seed=seed)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    timings["streams+vacuum"] = round(time.monotonic() - started, 1)
    token = staff_token(kpi_dir, env)
    counts = pg.fetch_one(
        database_url,
        "SELECT (SELECT count(*) FROM warehouse_statementline), "
        "(SELECT count(*) FROM warehouse_dailystream)",
    )
    warehouse = KpiWarehouse(
        database_url=database_url,
        env=env,
        token=token,
        statement_lines=int(counts[0]),
        stream_rows=int(counts[1]),
        stream_first=first.isoformat(),
        stream_last=last.isoformat(),
        build_s=timings,
        reused=False,
    )
    saved = {k: v for k, v in asdict(warehouse).items() if k not in {"env", "build_s", "reused"}}
    # A new token is written only here, under bench/out (git-ignored), for the bench's own use.
    marker.write_text(json.dumps({"params": params, "warehouse": saved}, indent=2))
    return warehouse


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)

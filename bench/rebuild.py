"""Full-rebuild bench (issue 4): five years of every source in the lake, then
`manage.py rebuild_warehouse` twice, each timed with its peak memory; the second must change
nothing.

`python -m bench.rebuild` runs it alone; `make bench` runs it unless BENCH_REBUILD=0.

1. The lake: bench/source_files.py's exports for each calendar year (statements of
   BENCH_REBUILD_STATEMENT_LINES_PER_MONTH lines a month), ingested by one `manage.py ingest`
   per account into a fresh database (`bedrot_bench_src_rebuild`). Timed, not a target.
2. The warehouse as the ingests left it is recorded per fact table (count, column sums,
   checksum; bench/warehouse_state.py). With BENCH_REBUILD_FROM_EMPTY (default on) the fact
   tables are then emptied, so the first rebuild loads everything from curated.
3. Rebuild 1, measured; its warehouse must equal the ingested one.
4. Rebuild 2, measured; it must change no count, sum or checksum and write no fact row.

Report: bench/out/rebuild.json. See bench/README.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import pg, system, warehouse_state
from bench.ingest import Check, checks_json, manage
from bench.measure import ROOT, Measured, run_measured
from bench.source_files import calendar_year, source_files
from bench.sources import (
    WrittenFile,
    env_int,
    ingest_argv,
    migrated_database,
    say,
    write_files,
)

MB = 1_000_000


def _flag(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return default if not raw else raw in {"1", "true", "yes"}


def _check(name: str, ok: object, detail: object = "") -> Check:
    return Check(name, bool(ok), str(detail))


def build_lake(out_dir: Path, env: dict[str, str], files: list[WrittenFile]) -> dict[str, Any]:
    """One `manage.py ingest` per account, files in year order; every file must be accepted."""
    by_account: dict[str, list[Path]] = defaultdict(list)
    for file in files:
        by_account[file.spec.account].append(file.path)
    started = time.monotonic()
    outputs = []
    for account, paths in by_account.items():
        measured = run_measured(
            ingest_argv(paths, account),
            env=env,
            log_path=out_dir / "logs" / f"build-{account or 'no-account'}.log",
        )
        outputs.append(measured.output)
        if measured.returncode != 0:
            raise RuntimeError(
                f"lake build failed for account {account!r}:\n{measured.output[-3000:]}"
            )
    accepted = sum(output.count(": accepted ") for output in outputs)
    loaded = pg.fetch_one(
        env["DATABASE_URL"], "SELECT count(*) FROM lake_lakefile WHERE status = 'loaded'"
    )[0]
    return {"seconds": round(time.monotonic() - started, 1), "accepted": accepted, "loaded": loaded}


def rebuild(out_dir: Path, env: dict[str, str], number: int) -> dict[str, Any]:
    """One measured `rebuild_warehouse`, the fact tables' figures after it, the rows it wrote."""
    database_url = env["DATABASE_URL"]
    pg.checkpoint()
    xid = warehouse_state.current_xid(database_url)
    measured = run_measured(
        manage("rebuild_warehouse"), env=env, log_path=out_dir / "logs" / f"rebuild-{number}.log"
    )
    return {
        "measured": measured,
        "state": warehouse_state.snapshot(database_url),
        "written": warehouse_state.rows_written_since(database_url, xid),
    }


def _summary_line(measured: Measured) -> str:
    lines = [line for line in measured.output.splitlines() if line.startswith("rebuilt ")]
    return lines[-1] if lines else ""


def rebuild_checks(
    run: dict[str, Any], reference: dict[str, Any], *, compared_with: str
) -> list[Check]:
    measured: Measured = run["measured"]
    changed = warehouse_state.differences(reference, run["state"])
    return [
        _check("exit status 0", measured.returncode == 0, measured.returncode),
        _check("prints rebuilt rows_upserted=N", _summary_line(measured), _summary_line(measured)),
        _check(
            f"fact tables equal {compared_with}",
            not changed,
            "; ".join(changed) or f"{len(reference)} tables: counts, sums, checksums",
        ),
    ]


def _table_rows(state: dict[str, Any]) -> dict[str, int]:
    return {table: figures["rows"] for table, figures in state.items() if figures["rows"]}


def _measured_json(measured: Measured) -> dict[str, Any]:
    return {
        "wall_s": round(measured.wall_s, 3),
        "peak_bytes": measured.peak_bytes,
        "peak_rss_bytes": measured.peak_rss_bytes,
        "sampled_tree_peak_bytes": measured.sampled_tree_peak_bytes,
        "returncode": measured.returncode,
        "summary": _summary_line(measured),
    }


def _print_run(title: str, run: dict[str, Any], checks: list[Check]) -> None:
    measured: Measured = run["measured"]
    say(
        f"\n  {title}: wall {measured.wall_s:.2f} s, peak RSS {measured.peak_bytes / MB:,.1f} MB; "
        f"{_summary_line(measured) or 'no summary line'}; fact rows written "
        f"{sum(run['written'].values()):,}"
    )
    for check in checks:
        say(f"    [{'ok' if check.ok else 'FAILED'}] {check.name}: {check.detail}")


def run(out_dir: Path) -> int:
    """The whole bench; 0 when every check passed, 2 otherwise."""
    started = time.monotonic()
    years = env_int("BENCH_REBUILD_YEARS", 5)
    last_year = env_int("BENCH_REBUILD_LAST_YEAR", 2025)
    per_month = env_int("BENCH_REBUILD_STATEMENT_LINES_PER_MONTH", 5000)
    seed = env_int("BENCH_SEED", 1987)
    from_empty = _flag("BENCH_REBUILD_FROM_EMPTY", default=True)
    database = os.environ.get("BENCH_REBUILD_DATABASE", "bedrot_bench_src_rebuild")
    folder = out_dir / "rebuild"
    server = pg.server_info()
    spans = [calendar_year(year) for year in range(last_year - years + 1, last_year + 1)]
    say(
        f"\nFull rebuild (issue 4): {years} years ({spans[0].first} .. {spans[-1].last}) of every "
        f"source; statements {per_month:,} lines a month"
    )
    generation_started = time.monotonic()
    specs = [
        spec
        for number, span in enumerate(spans)
        for spec in source_files(span, seed=seed + number, statement_lines=12 * per_month)
    ]
    files = write_files(specs, folder / "data")
    generated_s = time.monotonic() - generation_started
    size = sum(file.size_bytes for file in files)
    say(f"  {len(files)} files, {size / MB:,.1f} MB, generated in {generated_s:.1f} s")
    env = migrated_database(
        folder, database, largest_file_bytes=max(file.size_bytes for file in files)
    )
    built = build_lake(folder, env, files)
    ingested = warehouse_state.snapshot(env["DATABASE_URL"])
    build_checks = [
        _check(
            "every file accepted",
            built["accepted"] == len(files),
            f"{built['accepted']} of {len(files)}",
        ),
        _check(
            "every file loaded", built["loaded"] == len(files), f"{built['loaded']} of {len(files)}"
        ),
    ]
    rows = _table_rows(ingested)
    say(
        f"  lake built in {built['seconds']:.1f} s (not a target): {sum(rows.values()):,} fact "
        f"rows in {len(rows)} tables"
    )
    for table, count in rows.items():
        say(f"    {table:<36} {count:>9,}")
    for check in build_checks:
        say(f"    [{'ok' if check.ok else 'FAILED'}] {check.name}: {check.detail}")
    emptied = warehouse_state.truncate_compared_tables(env["DATABASE_URL"]) if from_empty else []
    first = rebuild(folder, env, 1)
    first_checks = rebuild_checks(first, ingested, compared_with="the ingested warehouse")
    _print_run(
        "Rebuild 1" + (f" (from {len(emptied)} emptied fact tables)" if from_empty else ""),
        first,
        first_checks,
    )
    second = rebuild(folder, env, 2)
    second_checks = [
        *rebuild_checks(second, first["state"], compared_with="rebuild 1"),
        _check("0 fact rows written", not second["written"], second["written"] or 0),
    ]
    _print_run("Rebuild 2 (must change nothing)", second, second_checks)
    all_checks = [*build_checks, *first_checks, *second_checks]
    passed = sum(check.ok for check in all_checks)
    say(
        f"\n  Result: rebuild 1 {first['measured'].wall_s:.2f} s "
        f"({first['measured'].peak_bytes / MB:,.1f} MB), rebuild 2 "
        f"{second['measured'].wall_s:.2f} s ({second['measured'].peak_bytes / MB:,.1f} MB); "
        f"{passed}/{len(all_checks)} checks -> {'PASS' if passed == len(all_checks) else 'FAIL'}"
    )
    report = {
        "benchmark": "full rebuild, five years of every source (issue 4)",
        "hardware": system.hardware(),
        "versions": system.versions(server),
        "database": database,
        "years": [span.first.year for span in spans],
        "seed": seed,
        "statement_lines_per_month": per_month,
        "files": len(files),
        "bytes": size,
        "generated_s": round(generated_s, 2),
        "build": built,
        "fact_rows": rows,
        "from_empty": from_empty,
        "emptied_tables": emptied,
        "rebuild_1": {
            **_measured_json(first["measured"]),
            "rows_written": first["written"],
            "checks": checks_json(first_checks),
        },
        "rebuild_2": {
            **_measured_json(second["measured"]),
            "rows_written": second["written"],
            "checks": checks_json(second_checks),
        },
        "ingested_state": ingested,
        "build_checks": checks_json(build_checks),
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    (out_dir / "rebuild.json").write_text(json.dumps(report, indent=2, default=str))
    say(f"  Written: {(out_dir / 'rebuild.json').relative_to(ROOT)}")
    return 0 if passed == len(all_checks) else 2


def main() -> int:
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    return run(out_dir)


if __name__ == "__main__":
    sys.exit(main())

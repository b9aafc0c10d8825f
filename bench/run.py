"""`make bench` (python -m bench.run): B1 and B2 of SPEC section 8 on PostgreSQL and Redis.

Prints the hardware, versions, dataset, every figure and its target, PASS/FAIL per target, and
writes the same to bench/out/ingest.json. Settings (environment): BENCH_LINES (1,000,000),
BENCH_SEED, BENCH_MONTHS, BENCH_LB_RUNS (3), BENCH_BREAKDOWN=1 (instrumented per-step run),
BENCH_PROFILE=1 (that run under cProfile too), BENCH_STRICT=1 (exit 1 when a target is missed),
BENCH_PG_ADMIN_URL, BENCH_REDIS_URL. Then the per-source ingest (bench/sources.py;
BENCH_SOURCES=0 skips it), the full rebuild (bench/rebuild.py; BENCH_REBUILD=0 skips it) and B3
(bench/kpi_load.py; BENCH_KPI=0 skips it). See bench/README.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from typing import Any

from bench import ingest, kpi_load, pg, rebuild, sources, system
from bench.dataset import SCHEMA_ID, StatementFile, statement_file
from bench.measure import ROOT, Measured

OUT_DIR = ROOT / "bench" / "out"
MB = 1_000_000
LAKE_FILE_FIELDS = ("id", "status", "rows_in", "rows_out", "rows_rejected", "timings")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw.replace("_", "")) if raw.strip() else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _say(text: str = "") -> None:
    print(text, flush=True)


def _mb(value: float) -> str:
    return f"{value / MB:,.1f} MB"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _measured_json(measured: Measured) -> dict[str, Any]:
    figures = asdict(measured)
    figures.pop("output")
    figures["wall_s"] = round(measured.wall_s, 3)
    return figures


def _print_header(
    hardware: dict[str, Any], versions: dict[str, str], server: dict[str, str]
) -> None:
    _say("Bedrot benchmark B1/B2: DistroKid statement ingest (SPEC section 8)")
    _say(
        f"Hardware:  {hardware['cores']} cores, {hardware['cpu_model']}, "
        f"{hardware['ram_bytes'] / 2**30:.1f} GiB RAM, {hardware['platform']}"
    )
    _say("Versions:  " + ", ".join(f"{name} {value}" for name, value in versions.items()))
    settings = {k: v for k, v in server.items() if k != "server_version"}
    _say("PostgreSQL: " + ", ".join(f"{name}={value}" for name, value in settings.items()))


def _print_dataset(statement: StatementFile) -> None:
    made = (
        f"generated in {statement.generated_s:.1f} s"
        if statement.generated_s is not None
        else "reused"
    )
    _say(
        f"Dataset:   {SCHEMA_ID}, {statement.lines:,} lines, {_mb(statement.size_bytes)}, "
        f"seed {statement.seed}, {statement.months} reporting months ({made}): "
        f"{statement.path.relative_to(ROOT)}"
    )


def _print_lower_bound(bound: dict[str, Any]) -> None:
    _say("\nLower bound: pandas.read_csv (pyarrow engine, all columns str) + COPY of every row")
    _say(f"  into a {bound['runs'][0]['table']} table, one transaction, own process:")
    for number, run in enumerate(bound["runs"], 1):
        _say(
            f"  run {number}: read {run['read_s']:.2f} s + COPY {run['copy_s']:.2f} s = "
            f"{run['total_s']:.2f} s, peak RSS {_mb(run['peak_rss'])}"
        )
    _say(f"  median {bound['median_s']:.2f} s")


def _print_ingest(run: dict[str, Any], checks: list[ingest.Check]) -> None:
    measured: Measured = run["measured"]
    _say(
        "\nB1 ingest: manage.py ingest FILE on a fresh, migrated database "
        f"(migrate {run['migrate_s']:.1f} s, not counted)"
    )
    _say(f"  wall {measured.wall_s:.2f} s, peak RSS {_mb(measured.peak_bytes)}")
    for lake_file in run["lake_files"]:
        timings = lake_file[5] or {}
        steps = ", ".join(f"{name} {value:.2f} s" for name, value in timings.items())
        rest = measured.wall_s - sum(timings.values())
        _say(f"  LakeFile.timings: {steps}; startup+register+rest {rest:.2f} s")
    for check in checks:
        _say(f"  [{'ok' if check.ok else 'FAILED'}] {check.name}: {check.detail}")


def _print_reingest(result: dict[str, Any]) -> None:
    measured: Measured = result["measured"]
    _say(f"\nB2 re-ingest of the same file: wall {measured.wall_s:.2f} s")
    for check in result["checks"]:
        _say(f"  [{'ok' if check.ok else 'FAILED'}] {check.name}: {check.detail}")


def _print_breakdown(result: dict[str, Any]) -> None:
    _say(
        f"\nBreakdown (instrumented run, own fresh database): process wall "
        f"{result['process_wall_s']:.2f} s = startup {result['startup_s']:.2f} s + ingest "
        f"{result['ingest_s']:.2f} s; peak RSS {_mb(result['peak_rss_bytes'])}"
    )
    _say(f"  {'step':<58} {'seconds':>8} {'calls':>6} {'peak RSS':>11}")
    for step in result["steps"]:
        depth = step["step"].count("/")
        name = "  " * depth + step["step"].rsplit("/", 1)[-1]
        _say(
            f"  {name:<58} {step['seconds']:>8.2f} {step['calls']:>6} "
            f"{_mb(step['peak_rss_bytes']):>11}"
        )


def _targets(
    run: dict[str, Any], bound: dict[str, Any], checks: list[ingest.Check], re: dict[str, Any]
) -> list[dict[str, Any]]:
    measured: Measured = run["measured"]
    ratio = measured.wall_s / bound["median_s"]
    duplicate: Measured = re["measured"]
    return [
        {
            "id": "B1",
            "name": "peak RSS of the ingest process",
            "value": f"{_mb(measured.peak_bytes)}",
            "target": f"< {_mb(ingest.PEAK_RSS_TARGET_BYTES)}",
            "ok": measured.peak_bytes < ingest.PEAK_RSS_TARGET_BYTES,
        },
        {
            "id": "B1",
            "name": "ingest wall / lower bound",
            "value": f"{ratio:.2f}x ({measured.wall_s:.2f} s / {bound['median_s']:.2f} s)",
            "target": f"<= {ingest.RATIO_TARGET:g}x",
            "ok": ratio <= ingest.RATIO_TARGET,
        },
        {
            "id": "B1",
            "name": "load complete and exact",
            "value": f"{sum(c.ok for c in checks)}/{len(checks)} checks",
            "target": "all",
            "ok": all(c.ok for c in checks),
        },
        {
            "id": "B2",
            "name": "re-ingest reports duplicate",
            "value": f"{duplicate.wall_s:.2f} s",
            "target": f"< {ingest.DUPLICATE_TARGET_S:g} s",
            "ok": duplicate.wall_s < ingest.DUPLICATE_TARGET_S and re["checks"][1].ok,
        },
        {
            "id": "B2",
            "name": "re-ingest changes 0 rows",
            "value": f"{sum(c.ok for c in re['checks'])}/{len(re['checks'])} checks",
            "target": "all",
            "ok": all(c.ok for c in re["checks"]),
        },
    ]


def main() -> int:
    lines = _env_int("BENCH_LINES", 1_000_000)
    seed = _env_int("BENCH_SEED", 1987)
    months = _env_int("BENCH_MONTHS", 12)
    lb_runs = max(1, _env_int("BENCH_LB_RUNS", 3))
    started = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    server = pg.server_info()
    hardware, versions = system.hardware(), system.versions(server)
    _print_header(hardware, versions, server)
    statement = statement_file(OUT_DIR, lines=lines, seed=seed, months=months)
    _print_dataset(statement)
    checkpoints = pg.checkpoint()
    _say(
        "Each measured run starts after a CHECKPOINT."
        if checkpoints
        else "CHECKPOINT not permitted: runs may pay for earlier runs' dirty buffers."
    )

    bound = ingest.lower_bound(OUT_DIR, statement, lb_runs)
    _print_lower_bound(bound)
    run = ingest.ingest_once(OUT_DIR, statement)
    checks = ingest.verify_ingest(run, statement, bound)
    _print_ingest(run, checks)
    re = ingest.reingest(OUT_DIR, statement, run["env"])
    _print_reingest(re)
    steps = None
    if _flag("BENCH_BREAKDOWN") or _flag("BENCH_PROFILE"):
        steps = ingest.breakdown(OUT_DIR, statement, with_cprofile=_flag("BENCH_PROFILE"))
        _print_breakdown(steps)

    measured: Measured = run["measured"]
    rows = run["totals"][0]
    targets = _targets(run, bound, checks, re)
    _say(
        f"\nResult: {rows:,} lines in {measured.wall_s:.2f} s = {rows / measured.wall_s:,.0f} "
        f"lines/s; lower bound {bound['median_s']:.2f} s; re-ingest {re['measured'].wall_s:.2f} s"
    )
    for target in targets:
        _say(
            f"  {target['id']} {target['name']:<34} {target['value']:<34} "
            f"{target['target']:<12} {_verdict(target['ok'])}"
        )
    report = {
        "benchmark": "B1/B2 DistroKid statement ingest",
        "hardware": hardware,
        "versions": versions,
        "postgresql_settings": server,
        "checkpoint_before_runs": checkpoints,
        "dataset": {**asdict(statement), "path": str(statement.path), "schema_id": SCHEMA_ID},
        "lower_bound": bound,
        "ingest": {
            **_measured_json(measured),
            "lines": rows,
            "lines_per_s": round(rows / measured.wall_s),
            "migrate_s": run["migrate_s"],
            "lake_files": [dict(zip(LAKE_FILE_FIELDS, f, strict=True)) for f in run["lake_files"]],
            "ratio_to_lower_bound": round(measured.wall_s / bound["median_s"], 3),
            "checks": ingest.checks_json(checks),
        },
        "reingest": {
            **_measured_json(re["measured"]),
            "before": re["before"],
            "after": re["after"],
            "checks": ingest.checks_json(re["checks"]),
        },
        "breakdown": steps,
        "targets": targets,
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    (OUT_DIR / "ingest.json").write_text(json.dumps(report, indent=2, default=str))
    _say(f"\nWritten: {(OUT_DIR / 'ingest.json').relative_to(ROOT)}")
    if not all(c.ok for c in [*checks, *re["checks"]]):
        return 2
    return 1 if _flag("BENCH_STRICT") and not all(t["ok"] for t in targets) else 0


def _switch(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return raw in {"1", "true", "yes"} if raw else default


if __name__ == "__main__":
    status = main()
    if _switch("BENCH_SOURCES", default=True):
        status = max(status, sources.run(OUT_DIR))
    if _switch("BENCH_REBUILD", default=True):
        status = max(status, rebuild.run(OUT_DIR))
    if _switch("BENCH_KPI", default=True):
        status = max(status, kpi_load.run(OUT_DIR))
    sys.exit(status)

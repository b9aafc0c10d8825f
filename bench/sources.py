"""Per-source ingest bench (issue 3): a year of daily data for every source of SPEC section 2,
each file ingested by `manage.py ingest FILE` in its own process, with its time and peak memory.

`python -m bench.sources` runs it alone; `make bench` runs it unless BENCH_SOURCES=0. Files come
from bench/source_files.py (the connectors' own sample writers). All of them go into one fresh
database (`bedrot_bench_src_year`), one after the other; then each is ingested again and must
print `duplicate` and change nothing. Report: bench/out/sources.json. See bench/README.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import pg, system, warehouse_state
from bench.ingest import Check, checks_json, manage, manage_env
from bench.measure import ROOT, Measured, run_measured
from bench.source_files import SourceFile, calendar_year, source_files

MB = 1_000_000
LAKE_FILE = """
    SELECT status, source, kind, rows_in, rows_out, rows_rejected, error, timings
    FROM lake_lakefile WHERE id = %s
"""
FILE_ID = re.compile(r"file_id=(\d+)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw.replace("_", "")) if raw.strip() else default


def say(text: str = "") -> None:
    print(text, flush=True)


@dataclass(frozen=True)
class WrittenFile:
    spec: SourceFile
    path: Path
    size_bytes: int


def write_files(files: list[SourceFile], folder: Path) -> list[WrittenFile]:
    """Each file in a folder of its own: arrival names repeat across sources and years."""
    shutil.rmtree(folder, ignore_errors=True)
    written = []
    for number, spec in enumerate(files):
        path = folder / f"{number:03d}-{spec.source}-{spec.kind}" / spec.name
        path.parent.mkdir(parents=True)
        path.write_bytes(spec.build())
        written.append(WrittenFile(spec, path, path.stat().st_size))
    return written


def ingest_argv(paths: list[Path], account: str) -> list[str]:
    return manage("ingest", *map(str, paths), *(["--account", account] if account else []))


def migrated_database(out_dir: Path, database: str, *, largest_file_bytes: int) -> dict[str, str]:
    """A new, migrated database with empty lake and var folders under `out_dir`; its env."""
    database_url = pg.recreate_database(database)
    for folder in ("lake", "var"):
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    env = manage_env(out_dir, database_url, largest_file_bytes=largest_file_bytes)
    migrated = run_measured(
        manage("migrate", "--noinput", "-v", "0"), env=env, log_path=out_dir / "logs/migrate.log"
    )
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{migrated.output[-3000:]}")
    return env


def startup_baseline(out_dir: Path, env: dict[str, str]) -> Measured:
    """What every measured ingest pays before it reads a byte, measured the same way: on a
    small file most of an ingest's wall time and memory is this."""
    measured = run_measured(
        manage("ingest", "--help"), env=env, log_path=out_dir / "logs/startup.log"
    )
    if measured.returncode != 0:
        raise RuntimeError(f"manage.py ingest --help failed:\n{measured.output[-3000:]}")
    return measured


def _check(name: str, ok: object, detail: object = "") -> Check:
    return Check(name, bool(ok), str(detail))


def _result_line(measured: Measured, path: Path) -> str:
    """The command's own line for the file (`<path>: accepted ...`), else its last line."""
    lines = [line for line in measured.output.splitlines() if line.strip()]
    mine = [line for line in lines if line.startswith(f"{path}: ")]
    return (mine or lines or [""])[-1]


def ingest_file(out_dir: Path, env: dict[str, str], file: WrittenFile, log: str) -> dict[str, Any]:
    """The measured first ingest of one file, then its lake row and warehouse rows by SQL."""
    pg.checkpoint()
    measured = run_measured(
        ingest_argv([file.path], file.spec.account), env=env, log_path=out_dir / "logs" / log
    )
    line = _result_line(measured, file.path)
    found = FILE_ID.search(line)
    file_id = int(found.group(1)) if found else None
    lake = None
    warehouse_rows: dict[str, int] = {}
    if file_id is not None:
        row = pg.fetch_one(env["DATABASE_URL"], LAKE_FILE, (file_id,))
        keys = ("status", "source", "kind", "rows_in", "rows_out", "rows_rejected", "error")
        lake = {**dict(zip(keys, row[:7], strict=True)), "timings": row[7]}
        warehouse_rows = warehouse_state.rows_by_file(env["DATABASE_URL"], file_id)
    return {
        "measured": measured,
        "line": line,
        "file_id": file_id,
        "lake": lake,
        "warehouse_rows": warehouse_rows,
    }


def ingest_checks(file: WrittenFile, run: dict[str, Any]) -> list[Check]:
    measured: Measured = run["measured"]
    lake = run["lake"]
    checks = [
        _check("exit status 0", measured.returncode == 0, measured.returncode),
        _check("reports accepted", ": accepted " in run["line"], run["line"].split(": ", 1)[-1]),
    ]
    if lake is None:
        return [*checks, _check("lake file found", False, "no file_id in the output")]
    rows_in, rows_out, rejected = lake["rows_in"], lake["rows_out"] or 0, lake["rows_rejected"] or 0
    warehouse = sum(run["warehouse_rows"].values())
    return [
        *checks,
        _check(
            f"detected as {file.spec.source}",
            lake["source"] == file.spec.source,
            f"{lake['source']}/{lake['kind']}",
        ),
        _check("lake file loaded", lake["status"] == "loaded", lake["error"] or lake["status"]),
        _check(
            "rows_in == rows_out + rows_rejected",
            rows_in is not None and rows_in == rows_out + rejected,
            f"{rows_in} == {rows_out} + {rejected}",
        ),
        _check("warehouse rows present", warehouse > 0, run["warehouse_rows"] or 0),
    ]


def state(database_url: str) -> dict[str, Any]:
    """What a duplicate must leave alone: every fact table's figures, lake files and loads."""
    lake_files = pg.fetch_one(database_url, "SELECT count(*) FROM lake_lakefile")[0]
    loads = pg.fetch_one(database_url, "SELECT count(*) FROM warehouse_warehouseload")[0]
    return {
        "tables": warehouse_state.snapshot(database_url),
        "lake_files": lake_files,
        "loads": loads,
    }


def reingest_file(
    out_dir: Path, env: dict[str, str], file: WrittenFile, log: str
) -> dict[str, Any]:
    """The same bytes again: `duplicate`, and no count, sum, checksum or row touched."""
    database_url = env["DATABASE_URL"]
    before = state(database_url)
    xid = warehouse_state.current_xid(database_url)
    measured = run_measured(
        ingest_argv([file.path], file.spec.account), env=env, log_path=out_dir / "logs" / log
    )
    after = state(database_url)
    written = warehouse_state.rows_written_since(database_url, xid)
    changed = warehouse_state.differences(before["tables"], after["tables"])
    line = _result_line(measured, file.path)
    counters = {key: (before[key], after[key]) for key in ("lake_files", "loads")}
    checks = [
        _check("re-ingest exit status 0", measured.returncode == 0, measured.returncode),
        _check("reports duplicate", ": duplicate" in line, line.split(": ", 1)[-1]),
        _check(
            "fact tables unchanged", not changed, "; ".join(changed) or "counts, sums, checksums"
        ),
        _check(
            "no lake file or load added",
            all(old == new for old, new in counters.values()),
            counters,
        ),
        _check("0 fact rows written", not written, written or 0),
    ]
    return {"measured": measured, "checks": checks}


def _measured_json(measured: Measured) -> dict[str, Any]:
    return {
        "wall_s": round(measured.wall_s, 3),
        "peak_bytes": measured.peak_bytes,
        "peak_rss_bytes": measured.peak_rss_bytes,
        "sampled_tree_peak_bytes": measured.sampled_tree_peak_bytes,
        "returncode": measured.returncode,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    say(
        f"\n  {'source/kind':<30} {'detected kind':<22} {'bytes':>10} {'rows_in':>8} "
        f"{'out':>8} {'rej':>4} {'wh rows':>8} {'wall s':>7} {'peak MB':>8} "
        f"{'checks':>6} {'dup s':>6} {'dup':>4}"
    )
    for result in results:
        lake = result["lake"] or {}
        first, again = result["ingest"], result["reingest"]
        ok = sum(c["ok"] for c in result["checks"])
        dup_ok = all(c["ok"] for c in again["checks"])
        say(
            f"  {result['label']:<30} {lake.get('kind') or '-':<22} {result['size_bytes']:>10,} "
            f"{lake.get('rows_in') or 0:>8,} {lake.get('rows_out') or 0:>8,} "
            f"{lake.get('rows_rejected') or 0:>4} {sum(result['warehouse_rows'].values()):>8,} "
            f"{first['wall_s']:>7.2f} {first['peak_bytes'] / MB:>8.1f} "
            f"{ok:>3}/{len(result['checks']):<2} {again['wall_s']:>6.2f} "
            f"{'ok' if dup_ok else 'FAIL':>4}"
        )
    for result in results:
        for check in [*result["checks"], *result["reingest"]["checks"]]:
            if not check["ok"]:
                say(f"  [FAILED] {result['label']}: {check['name']}: {check['detail']}")


def run(out_dir: Path) -> int:
    """The whole bench; 0 when every check passed, 2 otherwise."""
    started = time.monotonic()
    year = env_int("BENCH_SOURCES_YEAR", 2025)
    seed = env_int("BENCH_SEED", 1987)
    statement_lines = env_int("BENCH_SOURCES_STATEMENT_LINES", 100_000)
    database = os.environ.get("BENCH_SOURCES_DATABASE", "bedrot_bench_src_year")
    folder = out_dir / "sources"
    server = pg.server_info()
    span = calendar_year(year)
    say(
        f"\nPer-source ingest (issue 3): {span.days} days ({span.first} .. {span.last}) of every "
        f"source, one file per source and kind; statement {statement_lines:,} lines"
    )
    generation_started = time.monotonic()
    files = write_files(
        source_files(span, seed=seed, statement_lines=statement_lines), folder / "data"
    )
    generated_s = time.monotonic() - generation_started
    say(f"  {len(files)} files generated in {generated_s:.1f} s: {folder.relative_to(ROOT)}/data")
    env = migrated_database(
        folder, database, largest_file_bytes=max(file.size_bytes for file in files)
    )
    startup = startup_baseline(folder, env)
    say(
        f"  Start-up baseline (`manage.py ingest --help`: interpreter, Django, the command's "
        f"imports): {startup.wall_s:.2f} s, {startup.peak_bytes / MB:.1f} MB"
    )
    results = []
    for number, file in enumerate(files):
        first = ingest_file(folder, env, file, f"{number:03d}-ingest.log")
        results.append(
            {
                "label": file.spec.label,
                "path": str(file.path),
                "account": file.spec.account,
                "size_bytes": file.size_bytes,
                "file_id": first["file_id"],
                "lake": first["lake"],
                "warehouse_rows": first["warehouse_rows"],
                "ingest": _measured_json(first["measured"]),
                "checks": checks_json(ingest_checks(file, first)),
            }
        )
    for number, (file, result) in enumerate(zip(files, results, strict=True)):
        again = reingest_file(folder, env, file, f"{number:03d}-reingest.log")
        result["reingest"] = {
            **_measured_json(again["measured"]),
            "checks": checks_json(again["checks"]),
        }
    print_table(results)
    all_checks = [c for r in results for c in [*r["checks"], *r["reingest"]["checks"]]]
    passed = sum(c["ok"] for c in all_checks)
    slowest = max(results, key=lambda r: r["ingest"]["wall_s"])
    largest = max(results, key=lambda r: r["ingest"]["peak_bytes"])
    say(
        f"\n  Result: {len(results)} files, {passed}/{len(all_checks)} checks passed; slowest "
        f"{slowest['label']} {slowest['ingest']['wall_s']:.2f} s; largest peak "
        f"{largest['label']} {largest['ingest']['peak_bytes'] / MB:.1f} MB "
        f"-> {'PASS' if passed == len(all_checks) else 'FAIL'}"
    )
    report = {
        "benchmark": "per-source ingest, a year of daily data (issue 3)",
        "hardware": system.hardware(),
        "versions": system.versions(server),
        "database": database,
        "span": {"first": str(span.first), "last": str(span.last), "days": span.days},
        "seed": seed,
        "statement_lines": statement_lines,
        "generated_s": round(generated_s, 2),
        "startup_baseline": _measured_json(startup),
        "files": results,
        "checks_passed": passed,
        "checks_total": len(all_checks),
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    (out_dir / "sources.json").write_text(json.dumps(report, indent=2, default=str))
    say(f"  Written: {(out_dir / 'sources.json').relative_to(ROOT)}")
    return 0 if passed == len(all_checks) else 2


def main() -> int:
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    return run(out_dir)


if __name__ == "__main__":
    sys.exit(main())

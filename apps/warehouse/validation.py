"""The validation report (SPEC 4.5): run after every load, by a rebuild and on demand; stored as
a ValidationReport. A check is `pass`, `warn` (a person should look) or `fail` (the warehouse
disagrees with its inputs); any `fail` makes `validate_warehouse` exit 1."""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import connection
from django.db.models import Count, Model, Sum

from apps.lake.curated import manifest_read
from apps.lake.models import CuratedDataset, LakeFile
from apps.lake.storage import lake_storage
from apps.sources.datasets import STATEMENT_LINES
from apps.warehouse.cross_source import spotify_daily_streams
from apps.warehouse.models import (
    AdPerformanceDaily,
    AudienceDaily,
    DailyStream,
    LinkAnalyticsDaily,
    SocialDaily,
    StatementLine,
    Track,
    TrackSplit,
    ValidationReport,
    WarehouseLoad,
)
from apps.warehouse.rejected_money import FileRejections, rejected_money_by_file
from apps.warehouse.review import review_counts_get
from apps.warehouse.rollup import revenue_rollup_mismatches

logger = logging.getLogger(__name__)

PASS, WARN, FAIL = "pass", "warn", "fail"
MAX_GAP_DAYS = 3
# Cross-source Spotify bands (SPEC 4.5): within 5 % OK, 5-15 % note, above 15 % investigate.
NOTE_ABOVE, INVESTIGATE_ABOVE = 0.05, 0.15
CENT = Decimal("0.01")
TWELVE_PLACES = Decimal("0.000000000001")
LISTED = 20  # ids/keys named in a check's details; the count covers the rest
# Statement files whose money is shown one by one (a label receives about two a month).
MONEY_FILES_LISTED = 200
LINE_KEY = ["distributor", "line_fingerprint", "occurrence"]

# Curated datasets that load one warehouse row per curated row: their counts must agree.
ONE_TO_ONE: dict[str, tuple[type[Model], dict[str, Any]]] = {
    "statement_lines": (StatementLine, {}),
    "streams_daily": (DailyStream, {}),
    "spotify_audience_daily": (AudienceDaily, {}),
    "linktree_daily": (LinkAnalyticsDaily, {}),
    "tiktok_daily": (SocialDaily, {"platform": "tiktok"}),
}

NATURAL_KEYS: dict[type[Model], list[str]] = {
    StatementLine: ["distributor_id", "line_fingerprint", "occurrence"],
    DailyStream: ["date", "platform_id", "distributor_id"],
    AdPerformanceDaily: ["date", "campaign_id", "adset_id", "ad_id"],
    SocialDaily: ["platform", "account", "date"],
    AudienceDaily: ["account", "date"],
    LinkAnalyticsDaily: ["account", "date"],
}


def _money(value: Decimal | None) -> str:
    """Money as text with the warehouse's 12 places, the same on PostgreSQL and SQLite."""
    exact = Decimal(value or 0).quantize(TWELVE_PLACES)
    # Fixed-point text ("0.000000000000", never "0E-12" or "-0E-12").
    return f"{exact.copy_abs() if exact.is_zero() else exact:f}"


def _check(status: str, **details: Any) -> dict[str, Any]:
    return {"status": status, "details": details}


def _curated_columns(dataset: str, columns: list[str]) -> pa.Table | None:
    """Only the named columns of every partition (a million statement lines read in well
    under a second this way); None when the dataset does not exist yet."""
    record = CuratedDataset.objects.filter(name=dataset).first()
    if record is None or not record.manifest_key:
        return None
    tables = []
    for key in manifest_read(record).values():
        with lake_storage().open(key, "rb") as handle:
            tables.append(pq.read_table(io.BytesIO(handle.read()), columns=columns))
    return pa.concat_tables(tables) if tables else None


def check_row_conservation() -> dict[str, Any]:
    """Per file: rows_in = rows_out + rows_rejected."""
    files = LakeFile.objects.filter(rows_in__isnull=False).values_list(
        "pk", "rows_in", "rows_out", "rows_rejected"
    )
    broken = [pk for pk, rows_in, out, rejected in files if rows_in != (out or 0) + (rejected or 0)]
    return _check(FAIL if broken else PASS, files_checked=len(files), broken_files=broken[:LISTED])


def check_curated_vs_warehouse() -> dict[str, Any]:
    """Curated rows contributed = warehouse rows; statement money agrees to the cent."""
    mismatches: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    for dataset, (model, filters) in ONE_TO_ONE.items():
        table = _curated_columns(dataset, ["source_file_id"])
        curated = table.num_rows if table is not None else 0
        loaded = model.objects.filter(**filters).count()  # type: ignore[attr-defined]
        counts[dataset] = {"curated": curated, "warehouse": loaded}
        if curated != loaded:
            mismatches[dataset] = counts[dataset]
    money = _statement_money()
    if money["differs"]:
        mismatches["statement_money"] = money
    return _check(FAIL if mismatches else PASS, counts=counts, money=money, mismatches=mismatches)


def _statement_money() -> dict[str, Any]:
    table = _curated_columns("statement_lines", ["distributor", "earnings_usd"])
    curated: dict[str, Decimal] = defaultdict(Decimal)
    if table is not None and table.num_rows:
        grouped = table.group_by("distributor").aggregate([("earnings_usd", "sum")])
        for row in grouped.to_pylist():
            curated[row["distributor"]] = row["earnings_usd_sum"] or Decimal(0)
    loaded = {
        row["distributor__code"]: row["total"]
        for row in StatementLine.objects.values("distributor__code")
        .annotate(total=Sum("earnings_usd"))
        .order_by()
    }
    differs = [
        code
        for code in set(curated) | set(loaded)
        if (curated.get(code, Decimal(0)) - (loaded.get(code) or Decimal(0))).copy_abs() >= CENT
    ]
    return {
        "curated": {code: _money(value) for code, value in sorted(curated.items())},
        "warehouse": {code: _money(value) for code, value in sorted(loaded.items())},
        "differs": sorted(differs),
    }


def _curated_money_by_file() -> dict[int, tuple[int, Decimal]]:
    """Source file id -> (curated lines, exact sum of their earnings)."""
    table = _curated_columns("statement_lines", ["source_file_id", "earnings_usd"])
    if table is None or not table.num_rows:
        return {}
    grouped = table.group_by("source_file_id").aggregate(
        [("earnings_usd", "sum"), ("earnings_usd", "count")]
    )
    return {
        row["source_file_id"]: (row["earnings_usd_count"], row["earnings_usd_sum"] or Decimal(0))
        for row in grouped.to_pylist()
    }


def _warehouse_money_by_file() -> dict[int, tuple[int, Decimal]]:
    if connection.vendor != "postgresql":
        # SQLite sums decimals as binary floats (about 16 digits), too few for 12 places of a
        # large total: add the exact values here instead (its warehouses are demo-sized).
        totals: dict[int, tuple[int, Decimal]] = {}
        lines = StatementLine.objects.values_list("source_file_id", "earnings_usd").order_by()
        for file_id, amount in lines.iterator(chunk_size=10_000):
            count, total = totals.get(file_id, (0, Decimal(0)))
            totals[file_id] = (count + 1, total + amount)
        return totals
    rows = (
        StatementLine.objects.values("source_file_id")
        .annotate(lines=Count("pk"), total=Sum("earnings_usd"))
        .order_by()
    )
    return {row["source_file_id"]: (row["lines"], row["total"] or Decimal(0)) for row in rows}


def _staged_money(lake_file: LakeFile) -> pa.Table | None:
    """The file's own statement lines as its parse staged them (key and earnings), before
    curated gave overlapping lines to whichever export it keeps them from; None when gone."""
    if not lake_file.staging_key:
        return None
    try:
        with lake_storage().open(
            f"{lake_file.staging_key}/{STATEMENT_LINES.name}.parquet", "rb"
        ) as handle:
            return pq.read_table(io.BytesIO(handle.read()), columns=[*LINE_KEY, "earnings_usd"])
    except FileNotFoundError:
        return None


def _sum(table: pa.Table) -> Decimal:
    return pc.sum(table.column("earnings_usd")).as_py() or Decimal(0)


def _supplied_elsewhere(file_id: int, staged: pa.Table, curated_keys: pa.Table) -> Decimal:
    """Money of the file's lines whose key curated keeps from another (overlapping) export."""
    others = curated_keys.filter(pc.not_equal(curated_keys.column("source_file_id"), file_id))
    found = staged.join(others.select(LINE_KEY), keys=LINE_KEY, join_type="inner")
    return _sum(found)


def _rejected_details(rejected: FileRejections) -> dict[str, Any]:
    return {
        "rejected_lines": len(rejected.lines),
        "rejected_usd": _money(rejected.total_usd),
        "rejected_rows": [
            {
                "row": line.row,
                "code": line.code,
                "amount_usd": None if line.amount_usd is None else _money(line.amount_usd),
            }
            for line in rejected.lines[:LISTED]
        ],
        "unreadable_amount_rows": rejected.unreadable_rows[:LISTED],
    }


class _FileMoney:
    """One statement file's money: in the file (its staged lines + its rejected rows) against
    loaded from it + supplied by another export + rejected."""

    def __init__(self, lake_file: LakeFile | None, rejected: FileRejections) -> None:
        self.staged = _staged_money(lake_file) if lake_file is not None else None
        self.rejected = rejected

    def details(
        self,
        file_id: int,
        curated_lines: int,
        loaded_sum: Decimal,
        curated_keys: Callable[[], pa.Table | None],
    ) -> dict[str, Any]:
        rejected_sum = self.rejected.total_usd
        found: dict[str, Any] = _rejected_details(self.rejected)
        if self.staged is None:
            # Staging is kept for the version the lineage row names; without it there is
            # nothing to compare the file against, and the report says so.
            return {**found, "file_usd": None, "elsewhere_usd": None, "unaccounted_usd": None}
        elsewhere = Decimal(0)
        if self.staged.num_rows > curated_lines and (keys := curated_keys()) is not None:
            elsewhere = _supplied_elsewhere(file_id, self.staged, keys)
        in_file = _sum(self.staged) + rejected_sum
        return {
            **found,
            "file_usd": _money(in_file),
            "elsewhere_usd": _money(elsewhere),
            "unaccounted_usd": _money(in_file - loaded_sum - elsewhere - rejected_sum),
        }


def _lazy_curated_keys() -> Callable[[], pa.Table | None]:
    """Curated statement keys, read at most once and only when a file overlaps another."""
    cache: list[pa.Table | None] = []

    def read() -> pa.Table | None:
        if not cache:
            cache.append(_curated_columns("statement_lines", [*LINE_KEY, "source_file_id"]))
        return cache[0]

    return read


def check_statement_money_per_file() -> dict[str, Any]:
    """Per statement file: the exact sum of its earnings in curated equals the sum of the
    warehouse lines taken from it. A line present in two overlapping exports belongs to the file
    curated kept it from, on both sides, so the sums still agree file by file.

    And the money conservation of SPEC 4.5, to the last decimal: money in the file (its staged
    lines plus its rejected rows) = loaded from it + lines another export supplied + rejected,
    each rejected row listed with its row number and amount (or as unreadable)."""
    curated = _curated_money_by_file()
    loaded = _warehouse_money_by_file()
    file_ids = sorted(set(curated) | set(loaded))
    lake_files = {f.pk: f for f in LakeFile.objects.filter(pk__in=file_ids).order_by()}
    rejections = rejected_money_by_file(file_ids)
    curated_keys = _lazy_curated_keys()
    files = []
    for file_id in file_ids:
        curated_lines, curated_sum = curated.get(file_id, (0, Decimal(0)))
        loaded_lines, loaded_sum = loaded.get(file_id, (0, Decimal(0)))
        lake_file = lake_files.get(file_id)
        money = _FileMoney(lake_file, rejections.get(file_id, FileRejections()))
        files.append(
            {
                "file_id": file_id,
                "name": lake_file.original_name if lake_file else "(unknown file)",
                "curated_lines": curated_lines,
                "warehouse_lines": loaded_lines,
                "curated_usd": _money(curated_sum),
                "warehouse_usd": _money(loaded_sum),
                # Exact: both sides are the same 12-place decimals, so any difference is a loss.
                "difference_usd": _money(loaded_sum - curated_sum),
                **money.details(file_id, curated_lines, loaded_sum, curated_keys),
            }
        )
    zero = _money(Decimal(0))
    mismatched = [
        f for f in files if f["difference_usd"] != zero or f["unaccounted_usd"] not in (zero, None)
    ]
    wrong_ids = {f["file_id"] for f in mismatched}
    files.sort(key=lambda f: (f["file_id"] not in wrong_ids, f["file_id"]))  # mismatches first
    with_rejections = [f for f in files if f["rejected_lines"]]
    # Rejected money is not revenue until a person fixes the rows and reprocesses the file.
    status = FAIL if mismatched else (WARN if with_rejections else PASS)
    return _check(
        status,
        files_checked=len(files),
        mismatched_files=[f"{f['file_id']} {f['name']}" for f in mismatched][:LISTED],
        files_with_rejected_rows=[f"{f['file_id']} {f['name']}" for f in with_rejections][:LISTED],
        rejected_usd=_money(sum((r.total_usd for r in rejections.values()), Decimal(0))),
        files=files[:MONEY_FILES_LISTED],
    )


def check_revenue_rollups() -> dict[str, Any]:
    """The rollups the revenue KPIs read hold the statement lines' sums, group by group."""
    months = revenue_rollup_mismatches()
    return _check(FAIL if months else PASS, mismatched_sale_months=months[:LISTED])


def check_orphans() -> dict[str, Any]:
    counts = review_counts_get()
    return _check(WARN if any(counts.values()) else PASS, **counts)


def split_total_problems(splits: Iterable[tuple[int, date, date | None, Decimal]]) -> list[str]:
    """Tracks whose shares in effect on one of their start dates do not total 100."""
    by_track: dict[int, list[tuple[date, date | None, Decimal]]] = defaultdict(list)
    for track_id, start, end, share in splits:
        by_track[track_id].append((start, end, share))
    problems = []
    for track_id, rows in sorted(by_track.items()):
        for day in sorted({start for start, _, _ in rows}):
            total = sum(
                (s for start, end, s in rows if start <= day and (end is None or end >= day)),
                Decimal(0),
            )
            if total != 100:
                problems.append(f"track {track_id} on {day}: {total}")
    return problems


def check_splits() -> dict[str, Any]:
    problems = split_total_problems(
        TrackSplit.objects.values_list("track_id", "effective_from", "effective_to", "share")
    )
    without = (
        Track.objects.filter(splits__isnull=True, statementline__isnull=False).distinct().count()
    )
    status = FAIL if problems else (WARN if without else PASS)
    return _check(status, tracks_with_revenue_and_no_split=without, bad_totals=problems[:LISTED])


def check_duplicates() -> dict[str, Any]:
    """0 by the unique constraints; checked anyway."""
    found = {}
    for model, key in NATURAL_KEYS.items():
        duplicated = (
            model.objects.values(*key)  # type: ignore[attr-defined]
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .order_by()
            .count()
        )
        found[model.__name__] = duplicated
    return _check(FAIL if any(found.values()) else PASS, **found)


def gaps_over(dates: list[date], max_gap_days: int = MAX_GAP_DAYS) -> list[tuple[date, date]]:
    """(last day before, first day after) of each run of more than `max_gap_days` missing days."""
    ordered = sorted(set(dates))
    return [
        (before, after)
        for before, after in pairwise(ordered)
        if (after - before).days - 1 > max_gap_days
    ]


def _series_gaps(model: type[Model], series: list[str]) -> list[str]:
    by_series: dict[tuple[Any, ...], list[date]] = defaultdict(list)
    for row in model.objects.values_list(*series, "date"):  # type: ignore[attr-defined]
        by_series[tuple(row[:-1])].append(row[-1])
    found = []
    for key, dates in sorted(by_series.items(), key=lambda item: str(item[0])):
        for before, after in gaps_over(dates):
            label = "/".join(str(part) for part in key)
            found.append(f"{model.__name__} {label}: {before} .. {after}")
    return found


def check_coverage() -> dict[str, Any]:
    gaps = (
        _series_gaps(DailyStream, ["distributor__code", "platform__name"])
        + _series_gaps(SocialDaily, ["platform", "account"])
        + _series_gaps(AudienceDaily, ["account"])
        + _series_gaps(LinkAnalyticsDaily, ["account"])
    )
    return _check(WARN if gaps else PASS, gaps=len(gaps), examples=gaps[:LISTED])


def check_cross_source_spotify() -> dict[str, Any]:
    """Distributor Spotify streams vs the S4A sum over artists, per day, last 28 days."""
    distributor, s4a = spotify_daily_streams()
    if not distributor:
        return _check(PASS, days=0)
    bands: dict[str, list[str]] = {"note": [], "investigate": []}
    for day in sorted(set(distributor) & set(s4a)):
        base = max(distributor[day] or 0, s4a[day] or 0)
        gap = abs((distributor[day] or 0) - (s4a[day] or 0)) / base if base else 0.0
        if gap > INVESTIGATE_ABOVE:
            bands["investigate"].append(f"{day} {gap:.1%}")
        elif gap > NOTE_ABOVE:
            bands["note"].append(f"{day} {gap:.1%}")
    compared = len(set(distributor) & set(s4a))
    status = WARN if bands["investigate"] or bands["note"] else PASS
    return _check(status, days_compared=compared, **bands)


def _totals() -> dict[str, Any]:
    revenue = {
        row["distributor__code"]: {"revenue_usd": _money(row["r"]), "units": row["u"]}
        for row in StatementLine.objects.values("distributor__code")
        .annotate(r=Sum("earnings_usd"), u=Sum("quantity"))
        .order_by()
    }
    streams = dict(
        DailyStream.objects.values("distributor__code")
        .annotate(s=Sum("streams"))
        .values_list("distributor__code", "s")
        .order_by()
    )
    platforms = {
        row["platform__name"]: _money(row["r"])
        for row in StatementLine.objects.values("platform__name")
        .annotate(r=Sum("earnings_usd"))
        .order_by()
    }
    return {"by_distributor": revenue, "streams": streams, "revenue_by_platform": platforms}


def check_totals(previous: ValidationReport | None) -> tuple[dict[str, Any], dict[str, Any]]:
    totals = _totals()
    before = (previous.summary or {}).get("totals") if previous else None
    changed = {}
    if before:
        for name, value in totals["revenue_by_platform"].items():
            old = before.get("revenue_by_platform", {}).get(name)
            if old != value:
                changed[name] = {"before": old, "now": value}
    return _check(PASS, changed_platform_revenue=changed), totals


def warehouse_validate(*, trigger: str, load: WarehouseLoad | None = None) -> ValidationReport:
    """Run every check and store the report; a load is never undone by its report."""
    previous = ValidationReport.objects.order_by("-created_at", "-pk").first()
    totals_check, totals = check_totals(previous)
    checks = {
        "row_conservation": check_row_conservation(),
        "curated_vs_warehouse": check_curated_vs_warehouse(),
        "statement_money_per_file": check_statement_money_per_file(),
        "revenue_rollups": check_revenue_rollups(),
        "orphans": check_orphans(),
        "splits": check_splits(),
        "duplicates": check_duplicates(),
        "coverage": check_coverage(),
        "cross_source_spotify": check_cross_source_spotify(),
        "totals": totals_check,
    }
    has_failures = any(check["status"] == FAIL for check in checks.values())
    report = ValidationReport.objects.create(
        trigger=trigger,
        load=load,
        has_failures=has_failures,
        summary={"checks": checks, "totals": totals},
    )
    failed = [name for name, check in checks.items() if check["status"] == FAIL]
    logger.info("warehouse_validated report_id=%s failed=%s", report.pk, ",".join(failed) or "-")
    return report

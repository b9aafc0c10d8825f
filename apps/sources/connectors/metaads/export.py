"""Turn Ads Manager export records (CSV lines or worksheet rows) into typed Meta rows.

The same steps serve both formats: find the header (the alias table), set the summary row
aside as the control total, skip `All`/`Total` aggregate rows, forward-fill names on a formatted
sheet, type every cell, resolve ids (a lost id is matched by name), then check the control total.
Rows with a `Day` go to `meta_ads_daily`; without one each row covers the whole report window
and goes to `meta_ads_periods`, never spread over days.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.metaads import values
from apps.sources.connectors.metaads.headers import (
    ExportHeader,
    header_problem,
    match_header,
    mismatch_message,
)
from apps.sources.connectors.metaads.records import Record
from apps.sources.connectors.metaads.rows import (
    PERFORMANCE_SCHEMAS,
    USD,
    RowKeys,
    empty_measures,
    fx_warning,
    id_lost_warning,
    name_key,
    usd_amount,
)
from apps.sources.connectors.metaads.values import Cell, IdValue, NumberStyle
from apps.sources.connectors.rowbook import (
    INVALID_VALUE,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    shown,
)
from apps.sources.datasets_meta import GRAIN_AD, GRAIN_ADSET, META_ADS_DAILY, META_ADS_PERIODS

logger = logging.getLogger(__name__)

# Rejection codes the format makes normal; they never count towards quarantining a file.
SUMMARY_ROW = "summary_row"
AGGREGATE_ROW = "aggregate_row"
RAGGED_ROW = "ragged_row"

# Records looked at for the header: row 1 of a workbook is a title, the header is on row 2.
HEADER_SEARCH_RECORDS = 5
# SPEC 2.5: loaded spend must match the summary row within 0.01 of the account currency.
CONTROL_TOLERANCE = Decimal("0.01")
# A breakdown or name cell holding one of these marks a total, not data (EN, FR, PT, ES).
AGGREGATE_WORDS = frozenset({"all", "tous", "toutes", "total", "totals", "todos", "todas", "tudo"})

_NAME_FIELDS = ("campaign_name", "campaign_id", "adset_name", "adset_id", "ad_name", "ad_id")
_AGGREGATE_FIELDS = ("day", "adset_name", "ad_name")
# Filled down on a formatted sheet: child rows leave their parents' cells blank.
_CAMPAIGN_FIELDS = ("campaign_name", "campaign_id")
_ADSET_FIELDS = ("adset_name", "adset_id")


@dataclass(frozen=True)
class ExportSource:
    """How one export was read: its records and what the reader established."""

    records: tuple[Record, ...]
    kind: str
    is_formatted: bool
    encoding: str = ""
    delimiter: str = ""
    line_ending: str = ""
    # Only a CSV can shift cells: a row with more or fewer fields than the header is rejected.
    checks_ragged_rows: bool = False


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    day: date | None


@dataclass(frozen=True)
class ExportRow:
    """One typed data row before its ids are resolved."""

    row: int
    raw_line: str
    window: Window
    names: tuple[str, str, str]
    ids: tuple[IdValue, IdValue, IdValue]
    measures: dict[str, object]
    spend: Decimal | None


@dataclass
class _Scan:
    """State carried down the rows of one file."""

    header: ExportHeader
    style: NumberStyle
    control_total: Decimal | None = None
    has_summary: bool = False
    has_named_row: bool = False
    filled: dict[str, Cell] = field(default_factory=dict)
    rows: list[ExportRow] = field(default_factory=list)


def parse_export(
    source: ExportSource, payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed rows of one export, or FileRejected naming why the whole file cannot load."""
    header_index, header = _find_header(source.records)
    data = [record for record in source.records[header_index + 1 :] if not record.is_blank]
    scan = _Scan(header=header, style=_number_style(source, header, data))
    book = RowBook()
    width = len(source.records[header_index].cells)
    for record in data:
        book.count()
        _read_record(book, scan, source, record, width)
    warnings = [*_header_warnings(header), *_date_order_warnings(scan, data)]
    warnings += _keep_rows(book, scan, source.kind)
    book.check_share(max_rejected_fraction)
    tables = book.tables(PERFORMANCE_SCHEMAS)
    warnings += _check_control_total(scan, tables)
    logger.info(
        "metaads_export_parsed kind=%s rows_in=%s rejected=%s",
        source.kind,
        book.rows_in,
        len(book.rejections),
    )
    return ParsedFile(
        kind=source.kind,
        schema_id=_schema_id(header),
        tables=tables,
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding=source.encoding,
        delimiter=source.delimiter,
        line_ending=source.line_ending,
        warnings=warnings,
        account=payload.account,
        captured_at=payload.captured_at,
        unknown_columns=list(header.unknown),
    )


def _find_header(records: Sequence[Record]) -> tuple[int, ExportHeader]:
    candidates = [(index, record) for index, record in enumerate(records) if not record.is_blank]
    if not candidates:
        raise FileRejected("file is empty (only blank lines)")
    for index, record in candidates[:HEADER_SEARCH_RECORDS]:
        header = match_header(record.cells, record.row)
        if header is None:
            continue
        problem = header_problem(header, record.cells)
        if problem:
            raise FileRejected(problem)
        return index, header
    raise FileRejected(mismatch_message(candidates[0][1].cells))


def _number_style(source: ExportSource, header: ExportHeader, data: list[Record]) -> NumberStyle:
    """Comma decimals after an Excel re-save with `;`; numeric dates ordered by the data."""
    decimal_mark = "," if source.delimiter == ";" else "."
    if source.delimiter not in (",", ";"):
        # Tabs (Excel "Unicode text") and workbook text cells follow the machine's locale:
        # a spend written `3,75` and never with a point settles it.
        spends = [_cell(record, header, "spend") for record in data]
        texts = [cell for cell in spends if isinstance(cell, str)]
        if any("," in cell and "." not in cell for cell in texts):
            decimal_mark = ","
    is_day_first = _is_day_first(
        header, data, fallback=decimal_mark == "," or header.language != "en"
    )
    return NumberStyle(decimal_mark=decimal_mark, is_day_first=is_day_first)


def _is_day_first(header: ExportHeader, data: list[Record], *, fallback: bool) -> bool:
    """A part above 12 settles the order; otherwise the locale's habit decides."""
    parts = _numeric_date_parts(header, data)
    if any(first > 12 for first, _ in parts):
        return True
    if any(second > 12 for _, second in parts):
        return False
    return fallback


def _numeric_date_parts(header: ExportHeader, data: list[Record]) -> list[tuple[int, int]]:
    found = []
    for record in data:
        for name in ("reporting_starts", "reporting_ends", "day", "ends"):
            parts = values.numeric_date_parts(_cell(record, header, name))
            if parts:
                found.append(parts)
    return found


def _date_order_warnings(scan: _Scan, data: list[Record]) -> list[str]:
    parts = _numeric_date_parts(scan.header, data)
    if not parts or any(first > 12 or second > 12 for first, second in parts):
        return []
    order = "day/month/year" if scan.style.is_day_first else "month/day/year"
    return [f"numeric dates are ambiguous; read as {order} from the file's locale"]


def _header_warnings(header: ExportHeader) -> list[str]:
    if not header.unknown:
        return []
    listed = ", ".join(shown(label) for label in header.unknown)
    return [f"new columns kept in raw only: {listed}"]


def _cell(record: Record, header: ExportHeader, name: str) -> Cell:
    position = header.columns.get(name)
    if position is None or position >= len(record.cells):
        return None
    return record.cells[position]


def _read_record(
    book: RowBook, scan: _Scan, source: ExportSource, record: Record, width: int
) -> None:
    if source.checks_ragged_rows and _is_ragged(record, width):
        message = f"expected {width} fields, found {len(record.cells)}"
        book.reject(
            row=record.row, column="*", code=RAGGED_ROW, message=message, raw_line=record.raw_line
        )
        return
    if not scan.has_named_row and not scan.has_summary and _is_summary(record, scan.header):
        _take_summary(book, scan, record)
        return
    cells = _filled(scan, record) if source.is_formatted else record.cells
    record = replace(record, cells=cells)
    scan.has_named_row = True
    if _is_aggregate(record, scan.header):
        book.reject(
            row=record.row,
            column="*",
            code=AGGREGATE_ROW,
            message="aggregate row (All/Total) of the breakdown below it: not loaded",
            raw_line=record.raw_line,
            is_expected=True,
        )
        return
    try:
        scan.rows.append(_typed_row(record, scan))
    except RowInvalid as invalid:
        column, message = _as_file_column(invalid, scan.header)
        book.reject(
            row=record.row,
            column=column,
            code=invalid.code,
            message=message,
            raw_line=record.raw_line,
        )


def _as_file_column(invalid: RowInvalid, header: ExportHeader) -> tuple[str, str]:
    """The rejection in the file's own words: `Amount spent (USD)`, not the field `spend`."""
    label = header.label_of(invalid.column)
    message = invalid.message
    if label != invalid.column and message.startswith(f"{invalid.column} "):
        message = label + message[len(invalid.column) :]
    return label, message


def _is_ragged(record: Record, width: int) -> bool:
    extra = record.cells[width:]
    # Excel re-saves pad rows with empty fields (`;;;`); only extra data shifts columns.
    return len(record.cells) < width or any(isinstance(c, str) and c.strip() for c in extra)


def _is_aggregate_word(cell: Cell) -> bool:
    return isinstance(cell, str) and values.plain(cell) in AGGREGATE_WORDS


def _is_summary(record: Record, header: ExportHeader) -> bool:
    """The account total: every name and id cell empty (or a `Total` label)."""
    cells = [_cell(record, header, name) for name in _NAME_FIELDS if name in header.columns]
    return all(values.is_no_value(cell) or _is_aggregate_word(cell) for cell in cells)


def _take_summary(book: RowBook, scan: _Scan, record: Record) -> None:
    scan.has_summary = True
    column = "spend"
    try:
        scan.control_total = values.money(_cell(record, scan.header, column), column, scan.style)
    except RowInvalid:
        spend = shown(_cell(record, scan.header, column))
        raise FileRejected(f"summary row (line {record.row}) spend {spend} is unreadable") from None
    book.reject(
        row=record.row,
        column="*",
        code=SUMMARY_ROW,
        message="account summary row: the control total, not loaded",
        raw_line=record.raw_line,
        is_expected=True,
    )


def _filled(scan: _Scan, record: Record) -> tuple[Cell, ...]:
    """Blank campaign (and, at ad grain, ad set) cells take the last value above them."""
    cells = list(record.cells)
    groups = [_CAMPAIGN_FIELDS, *([_ADSET_FIELDS] if scan.header.grain == GRAIN_AD else [])]
    for group in groups:
        given = {name: _cell(record, scan.header, name) for name in group}
        if any(not values.is_no_value(cell) for cell in given.values()):
            if group is _CAMPAIGN_FIELDS:
                # A new campaign starts here: its ad sets are not the last campaign's.
                for name in _ADSET_FIELDS:
                    scan.filled.pop(name, None)
            scan.filled.update(given)
            continue
        for name in group:
            position = scan.header.columns.get(name)
            if position is not None and name in scan.filled:
                cells.extend([None] * (position + 1 - len(cells)))
                cells[position] = scan.filled[name]
    return tuple(cells)


def _is_aggregate(record: Record, header: ExportHeader) -> bool:
    return any(_is_aggregate_word(_cell(record, header, name)) for name in _AGGREGATE_FIELDS)


def _typed_row(record: Record, scan: _Scan) -> ExportRow:
    header, style = scan.header, scan.style
    names = tuple(
        values.name(_cell(record, header, name))
        for name in ("campaign_name", "adset_name", "ad_name")
    )
    ids = tuple(
        values.meta_id(_cell(record, header, n), n) for n in ("campaign_id", "adset_id", "ad_id")
    )
    if not any(names) and not any(item.value or item.is_lost for item in ids):
        raise RowInvalid("campaign_name", MISSING_VALUE, "campaign name is missing")
    measures = _measures(record, header, style)
    spend = measures["spend"]
    return ExportRow(
        row=record.row,
        raw_line=record.raw_line,
        window=_window(record, header, style),
        names=(names[0], names[1], names[2]),
        ids=(ids[0], ids[1], ids[2]),
        measures=measures,
        spend=spend if isinstance(spend, Decimal) else None,
    )


def _window(record: Record, header: ExportHeader, style: NumberStyle) -> Window:
    start = _required_date(record, header, style, "reporting_starts")
    end = _required_date(record, header, style, "reporting_ends")
    if end < start:
        raise RowInvalid("reporting_ends", INVALID_VALUE, f"reporting ends {end} before {start}")
    day = _required_date(record, header, style, "day") if header.has_day else None
    return Window(start, end, day)


def _required_date(record: Record, header: ExportHeader, style: NumberStyle, name: str) -> date:
    day = values.calendar_date(_cell(record, header, name), name, style)
    if day is None:
        raise RowInvalid(name, MISSING_VALUE, f"{name} is missing")
    return day


def _measures(record: Record, header: ExportHeader, style: NumberStyle) -> dict[str, object]:
    def cell(name: str) -> Cell:
        return _cell(record, header, name)

    ends_on, is_ongoing = values.ends(cell("ends"), "ends", style)
    measures = empty_measures()
    measures.update(
        spend=values.money(cell("spend"), "spend", style),
        impressions=values.count(cell("impressions"), "impressions", style),
        reach=values.count(cell("reach"), "reach", style),
        frequency=values.ratio(cell("frequency"), "frequency", style),
        clicks_all=values.count(cell("clicks_all"), "clicks_all", style),
        link_clicks=values.count(cell("link_clicks"), "link_clicks", style),
        results=values.count(cell("results"), "results", style),
        result_indicator=values.text(cell("result_indicator")),
        attribution_setting=values.text(cell("attribution_setting")),
        ctr=values.percent(cell("ctr"), "ctr", style),
        link_ctr=values.percent(cell("link_ctr"), "link_ctr", style),
        landing_page_views=values.count(cell("landing_page_views"), "landing_page_views", style),
        delivery=values.text(cell("delivery")),
        quality_ranking=values.ranking(cell("quality_ranking")),
        engagement_rate_ranking=values.ranking(cell("engagement_rate_ranking")),
        conversion_rate_ranking=values.ranking(cell("conversion_rate_ranking")),
        adset_budget=values.budget(cell("adset_budget"), "adset_budget", style),
        adset_budget_type=values.budget_type(cell("adset_budget_type")),
        ends_on=ends_on,
        is_ongoing=is_ongoing,
    )
    return measures


class _IdDirectory:
    """Exact ids seen in the file per (scope, normalised name), to match rows that lost theirs."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, ...], set[str]] = {}

    def learn(self, scope: tuple[str, ...], name: str, identifier: str | None) -> None:
        if identifier and name:
            self._ids.setdefault((*scope, name_key(name)), set()).add(identifier)

    def find(self, scope: tuple[str, ...], name: str) -> str | None:
        """The one id this name had elsewhere in the file; None when unknown or ambiguous."""
        found = self._ids.get((*scope, name_key(name)), set())
        return next(iter(found)) if len(found) == 1 else None


# Column labels the id warnings name, per level (campaign, ad set, ad).
_ID_LABELS = ("Campaign ID", "Ad set ID", "Ad ID")


def _keep_rows(book: RowBook, scan: _Scan, kind: str) -> list[str]:
    """Resolve each row's keys (exact id, id matched by name, else the name) and keep it."""
    # (row, level, message), so the warnings read in file order whatever level found them.
    warnings: list[tuple[int, int, str]] = []
    rows = scan.rows
    grain = scan.header.grain
    campaign_ids = _resolve_level(rows, 0, [() for _ in rows], warnings)
    campaign_keys = [
        cid or name_key(row.names[0]) for cid, row in zip(campaign_ids, rows, strict=True)
    ]
    adset_keys = [""] * len(rows)
    ad_keys = [""] * len(rows)
    if grain in (GRAIN_ADSET, GRAIN_AD):
        adset_ids = _resolve_level(rows, 1, [(key,) for key in campaign_keys], warnings)
        adset_keys = [
            aid or name_key(row.names[1]) for aid, row in zip(adset_ids, rows, strict=True)
        ]
    if grain == GRAIN_AD:
        scopes = list(zip(campaign_keys, adset_keys, strict=True))
        ad_ids = _resolve_level(rows, 2, scopes, warnings)
        ad_keys = [aid or name_key(row.names[2]) for aid, row in zip(ad_ids, rows, strict=True)]
    for index, row in enumerate(rows):
        keys = RowKeys(campaign_keys[index], adset_keys[index], ad_keys[index])
        row_values = _row_values(row, scan.header, kind, campaign_ids[index])
        if row.spend is not None and scan.header.currency != USD:
            warnings.append((row.row, len(_ID_LABELS), fx_warning(row.row, scan.header.currency)))
        dataset, key = _dataset_key(row, scan.header, keys)
        book.keep(
            dataset,
            key,
            {**row_values, **_key_values(row, keys)},
            row=row.row,
            raw_line=row.raw_line,
        )
    return [message for _, _, message in sorted(warnings)]


def _resolve_level(
    rows: list[ExportRow],
    level: int,
    scopes: list[tuple[str, ...]],
    warnings: list[tuple[int, int, str]],
) -> list[str | None]:
    """Each row's id at one level: its own, else the one id its name has in the file."""
    directory = _IdDirectory()
    for row, scope in zip(rows, scopes, strict=True):
        directory.learn(scope, row.names[level], row.ids[level].value)
    resolved: list[str | None] = []
    for row, scope in zip(rows, scopes, strict=True):
        identifier = row.ids[level]
        if identifier.value or not identifier.is_lost:
            resolved.append(identifier.value)
            continue
        matched = directory.find(scope, row.names[level])
        message = id_lost_warning(row.row, _ID_LABELS[level], identifier.raw, matched)
        warnings.append((row.row, level, message))
        resolved.append(matched)
    return resolved


def _row_values(
    row: ExportRow, header: ExportHeader, kind: str, campaign_id: str | None
) -> dict[str, object]:
    spend = row.spend
    return {
        **row.measures,
        "grain": header.grain,
        "campaign_id": campaign_id,
        "campaign_name": row.names[0] or None,
        "adset_name": row.names[1] or None,
        "ad_name": row.names[2] or None,
        "currency": header.currency,
        "spend_usd": usd_amount(spend, header.currency),
        "source_kind": kind,
    }


def _key_values(row: ExportRow, keys: RowKeys) -> dict[str, object]:
    window = (
        {"date": row.window.day}
        if row.window.day
        else {
            "period_start": row.window.start,
            "period_end": row.window.end,
        }
    )
    return {
        **window,
        "campaign_key": keys.campaign_key,
        "adset_id": keys.adset_id,
        "ad_id": keys.ad_id,
    }


def _dataset_key(
    row: ExportRow, header: ExportHeader, keys: RowKeys
) -> tuple[str, tuple[object, ...]]:
    parts = (keys.campaign_key, keys.adset_id, keys.ad_id)
    if row.window.day is not None:
        return META_ADS_DAILY, (row.window.day, *parts)
    return META_ADS_PERIODS, (row.window.start, row.window.end, header.grain, *parts)


def _loaded_spend(tables: dict[str, pa.Table]) -> Decimal:
    total = Decimal(0)
    for table in tables.values():
        summed = pc.sum(table.column("spend")).as_py()
        total += summed if summed is not None else Decimal(0)
    return total


def _check_control_total(scan: _Scan, tables: dict[str, pa.Table]) -> list[str]:
    """FileRejected naming both totals when loaded spend differs from the summary row."""
    if not scan.has_summary:
        return ["no summary row first; loaded spend not checked against a control total"]
    summary = scan.control_total
    if summary is None:
        return ["summary row has no spend; loaded spend not checked against a control total"]
    loaded = _loaded_spend(tables)
    difference = abs(loaded - summary)
    if difference > CONTROL_TOLERANCE:
        # Shown at the summary's own precision (at least cents), so the totals read as written.
        places = max(2, -int(summary.as_tuple().exponent))
        currency = scan.header.currency
        raise FileRejected(
            f"control total mismatch: summary row spend {_fixed(summary, places)} {currency}, "
            f"loaded rows sum to {_fixed(loaded, places)} {currency} "
            f"(difference {_fixed(difference, places)}, tolerance {CONTROL_TOLERANCE})"
        )
    return []


def _fixed(amount: Decimal, places: int) -> str:
    exact = amount.normalize()
    shown_places = max(places, -int(exact.as_tuple().exponent))
    return f"{amount:.{shown_places}f}"


def _schema_id(header: ExportHeader) -> str:
    layout = "daily" if header.has_day else "window"
    return f"meta_ads_manager_{header.language}_{header.grain}_{layout}"

"""Parse Mailchimp Marketing API v3 responses (SPEC 2.8): `GET /reports` (kind `api_reports`),
`GET /lists/{id}` (`api_list`) and `GET /lists/{id}/growth-history` (`api_growth`).

The response's shape decides the kind, whatever the payload claims. One response is one file:
a reports page keeps its campaigns, a list its stats as seen on the capture day (the list's
contact address and other fields are never read), a growth history its months.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import pyarrow as pa

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.mailchimp import values
from apps.sources.connectors.rowbook import (
    INVALID_DATE,
    INVALID_ROW,
    MAX_REJECTED_FRACTION,
    MISSING_VALUE,
    RowBook,
    RowInvalid,
    capture_date,
    json_text,
    parse_count,
    parse_rate,
    read_json_file,
    shown,
)
from apps.sources.datasets_channels import (
    MAILCHIMP_CAMPAIGNS,
    MAILCHIMP_CAMPAIGNS_SCHEMA,
    MAILCHIMP_LIST_MONTHLY,
    MAILCHIMP_LIST_MONTHLY_SCHEMA,
    MAILCHIMP_LIST_SNAPSHOTS,
    MAILCHIMP_LIST_SNAPSHOTS_SCHEMA,
)

logger = logging.getLogger(__name__)

KIND_REPORTS = "api_reports"
KIND_LIST = "api_list"
KIND_GROWTH = "api_growth"
# Mailchimp is one account (SPEC 2.8): without --account its files carry the landing's "_".
DEFAULT_ACCOUNT = "_"
# Growth months Mailchimp may leave out of older rows; absent is unknown (null), never 0.
GROWTH_COUNTS = ("existing", "imports", "optins", "subscribed", "unsubscribed", "cleaned")
RATE_ABOVE_ONE = "rate_above_one"

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_SCHEMAS = {
    MAILCHIMP_CAMPAIGNS: MAILCHIMP_CAMPAIGNS_SCHEMA,
    MAILCHIMP_LIST_MONTHLY: MAILCHIMP_LIST_MONTHLY_SCHEMA,
    MAILCHIMP_LIST_SNAPSHOTS: MAILCHIMP_LIST_SNAPSHOTS_SCHEMA,
}


@dataclass(frozen=True)
class Context:
    captured_on: date
    warnings: list[str]


Reader = Callable[[RowBook, dict[str, object], Context], None]


def parse_mailchimp(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed rows of one Mailchimp response, or FileRejected naming why it cannot load."""
    kind, document = kind_of(read_json_file(payload.path))
    context = Context(captured_on=capture_date(payload), warnings=[])
    book = RowBook()
    _READERS[kind](book, document, context)
    book.check_share(max_rejected_fraction)
    logger.info(
        "mailchimp_file_parsed kind=%s rows_in=%s rejected=%s",
        kind,
        book.rows_in,
        len(book.rejections),
    )
    return ParsedFile(
        kind=kind,
        schema_id=f"mailchimp_v3_{kind}",
        tables={name: _sorted(name, table) for name, table in book.tables(_SCHEMAS).items()},
        rows_in=book.rows_in,
        rejections=book.sorted_rejections(),
        encoding="utf-8",
        warnings=context.warnings,
        account=payload.account.strip().lower() or DEFAULT_ACCOUNT,
        captured_at=payload.captured_at,
    )


def _sorted(name: str, table: pa.Table) -> pa.Table:
    """Growth months oldest first (Mailchimp lists them newest first); others in file order."""
    if name == MAILCHIMP_LIST_MONTHLY:
        return table.sort_by([("list_id", "ascending"), ("month", "ascending")])
    return table


def kind_of(document: object) -> tuple[str, dict[str, object]]:
    """The kind a response's shape shows; FileRejected naming the top-level keys otherwise."""
    if isinstance(document, dict):
        if isinstance(document.get("reports"), list):
            return KIND_REPORTS, document
        if isinstance(document.get("history"), list):
            return KIND_GROWTH, document
        if isinstance(document.get("stats"), dict) and "id" in document:
            return KIND_LIST, document
        keys = ", ".join(shown(key) for key in list(document)[:15]) or "none"
    else:
        keys = f"none (the document is a JSON {type(document).__name__})"
    raise FileRejected(
        "not a Mailchimp reports, list or growth-history response: expected a top-level "
        f"'reports' list, 'history' list or 'stats' object; top-level keys found: {keys}"
    )


def read_reports(book: RowBook, document: dict[str, object], context: Context) -> None:
    for index, report in enumerate(_listed(document, "reports"), start=1):
        keep = partial(_keep_campaign, book, index, report, context)
        _keep_or_reject(book, index, report, keep)


def _keep_campaign(book: RowBook, index: int, report: object, context: Context) -> None:
    row = campaign_row(report)
    _note_rates_above_one(row, context)
    book.keep(
        MAILCHIMP_CAMPAIGNS, (row["campaign_id"],), row, row=index, raw_line=json_text(report)
    )


def campaign_row(report: object) -> dict[str, object]:
    """One report as a `mailchimp_campaigns` row; report rates are already fractions."""
    if not isinstance(report, dict):
        raise RowInvalid("*", INVALID_ROW, "report is not an object")
    bounces = values.nested(report, "bounces")
    opens = values.nested(report, "opens")
    clicks = values.nested(report, "clicks")
    return {
        "campaign_id": values.required_id(report.get("id"), "id"),
        "title": values.optional_text(report.get("campaign_title"), "campaign_title"),
        "subject_line": values.optional_text(report.get("subject_line"), "subject_line"),
        "list_id": values.optional_text(report.get("list_id"), "list_id"),
        "send_time": values.send_time(report.get("send_time"), "send_time"),
        "emails_sent": parse_count(report.get("emails_sent"), "emails_sent"),
        "unique_opens": parse_count(opens.get("unique_opens"), "opens.unique_opens"),
        "open_rate": parse_rate(opens.get("open_rate"), "opens.open_rate"),
        "unique_clicks": parse_count(clicks.get("unique_clicks"), "clicks.unique_clicks"),
        "click_rate": parse_rate(clicks.get("click_rate"), "clicks.click_rate"),
        "unsubscribed": parse_count(report.get("unsubscribed"), "unsubscribed"),
        "hard_bounces": parse_count(bounces.get("hard_bounces"), "bounces.hard_bounces"),
        "soft_bounces": parse_count(bounces.get("soft_bounces"), "bounces.soft_bounces"),
        "abuse_reports": parse_count(report.get("abuse_reports"), "abuse_reports"),
    }


def _note_rates_above_one(row: dict[str, object], context: Context) -> None:
    """A report rate above 1 looks like a percent where a fraction belongs: kept, and noted."""
    for column in ("open_rate", "click_rate"):
        rate = row[column]
        if isinstance(rate, float) and rate > 1:
            context.warnings.append(
                f"{RATE_ABOVE_ONE} campaign_id={shown(row['campaign_id'])} {column}={rate}"
            )


def read_list(book: RowBook, document: dict[str, object], context: Context) -> None:
    # Only the id and stats are quoted if the row is rejected: the list's contact address and
    # from-name stay in raw.
    quoted = {"id": document.get("id"), "stats": document.get("stats")}
    _keep_or_reject(book, 1, quoted, partial(_keep_snapshot, book, document, context))


def _keep_snapshot(book: RowBook, document: dict[str, object], context: Context) -> None:
    row = list_snapshot_row(document, context.captured_on)
    book.keep(
        MAILCHIMP_LIST_SNAPSHOTS,
        (row["list_id"], row["captured_on"]),
        row,
        row=1,
        raw_line=json_text({"id": document.get("id"), "stats": document.get("stats")}),
    )


def list_snapshot_row(document: dict[str, object], captured_on: date) -> dict[str, object]:
    """`lists/{id}.stats` on the capture day; its 0-100 rates become fractions."""
    stats = values.nested(document, "stats")
    return {
        "list_id": values.required_id(document.get("id"), "id"),
        "captured_on": captured_on,
        "member_count": parse_count(stats.get("member_count"), "stats.member_count"),
        "unsubscribe_count": parse_count(stats.get("unsubscribe_count"), "stats.unsubscribe_count"),
        "cleaned_count": parse_count(stats.get("cleaned_count"), "stats.cleaned_count"),
        "open_rate": values.percent_as_fraction(stats.get("open_rate"), "stats.open_rate"),
        "click_rate": values.percent_as_fraction(stats.get("click_rate"), "stats.click_rate"),
    }


def read_growth(book: RowBook, document: dict[str, object], context: Context) -> None:
    list_id = document.get("list_id")
    for index, entry in enumerate(_listed(document, "history"), start=1):
        _keep_or_reject(book, index, entry, partial(_keep_month, book, index, entry, list_id))


def _keep_month(book: RowBook, index: int, entry: object, list_id: object) -> None:
    row = growth_row(entry, list_id)
    key = (row["list_id"], row["month"])
    book.keep(MAILCHIMP_LIST_MONTHLY, key, row, row=index, raw_line=json_text(entry))


def growth_row(entry: object, list_id: object) -> dict[str, object]:
    """One growth-history month; its own `list_id` wins over the response's."""
    if not isinstance(entry, dict):
        raise RowInvalid("*", INVALID_ROW, "history entry is not an object")
    row: dict[str, object] = {
        "list_id": values.required_id(entry.get("list_id", list_id), "list_id"),
        "month": month_start(entry.get("month")),
    }
    for column in GROWTH_COUNTS:
        row[column] = parse_count(entry.get(column), column)
    return row


def month_start(value: object) -> date:
    """`YYYY-MM` as the month's first day."""
    if value is None or value == "":
        raise RowInvalid("month", MISSING_VALUE, "month is missing")
    match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match and 1 <= int(match.group(2)) <= 12 and int(match.group(1)) >= 1:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise RowInvalid("month", INVALID_DATE, f"month {shown(value)} is not a YYYY-MM month")


def _listed(document: dict[str, object], key: str) -> list[object]:
    value = document.get(key)
    return value if isinstance(value, list) else []


def _keep_or_reject(book: RowBook, index: int, element: object, keep: Callable[[], None]) -> None:
    """Count one input row and keep it, or record why it was rejected."""
    book.count()
    try:
        keep()
    except RowInvalid as invalid:
        book.reject(
            row=index,
            column=invalid.column,
            code=invalid.code,
            message=invalid.message,
            raw_line=json_text(element),
        )


_READERS: dict[str, Reader] = {
    KIND_REPORTS: read_reports,
    KIND_LIST: read_list,
    KIND_GROWTH: read_growth,
}

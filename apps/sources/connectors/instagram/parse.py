"""Parse any Instagram file (SPEC 2.9): the content picks the parser, whatever kind was claimed.

- Graph insights JSON -> `instagram_daily` (one row per account, day and metric);
- Graph profile JSON -> `instagram_profile_snapshots` on the capture date;
- Business Suite CSV -> `instagram_daily` for the one metric its title names.

The account comes from `--account`, else the IG user id in the payload (`accounts.py`).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.instagram.accounts import is_user_id, resolve_account
from apps.sources.connectors.instagram.business_suite import (
    KIND_BUSINESS_SUITE_CSV,
    read_suite_file,
    read_suite_rows,
)
from apps.sources.connectors.instagram.graph import (
    KIND_API_INSIGHTS,
    KIND_API_PROFILE,
    graph_error,
    insights_user_ids,
    read_insights,
    read_profile,
)
from apps.sources.connectors.instagram.sniff import is_profile
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION, RowBook, read_json_file, shown
from apps.sources.datasets_social import (
    INSTAGRAM_DAILY,
    INSTAGRAM_DAILY_SCHEMA,
    INSTAGRAM_PROFILE_SNAPSHOTS,
    INSTAGRAM_PROFILE_SNAPSHOTS_SCHEMA,
)

logger = logging.getLogger(__name__)

# Graph pages and Business Suite exports are kilobytes; past this a file is not one, and
# reading it whole would cost memory for nothing.
MAX_FILE_BYTES = 32 * 1024 * 1024
_JSON_PADDING = b"\xef\xbb\xbf \t\r\n"
_SCHEMAS = {
    INSTAGRAM_DAILY: INSTAGRAM_DAILY_SCHEMA,
    INSTAGRAM_PROFILE_SNAPSHOTS: INSTAGRAM_PROFILE_SNAPSHOTS_SCHEMA,
}


def parse_instagram(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed rows of one Instagram file, or FileRejected naming why the file cannot load."""
    size = payload.path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRejected(f"file is {size} bytes; an Instagram export is at most {MAX_FILE_BYTES}")
    content = payload.path.read_bytes()
    if content.lstrip(_JSON_PADDING).startswith((b"{", b"[")):
        return _parse_json(payload, max_rejected_fraction)
    return _parse_suite(payload, content, max_rejected_fraction)


def _parse_json(payload: Payload, max_rejected_fraction: float) -> ParsedFile:
    document = read_json_file(payload.path)
    if not isinstance(document, dict):
        raise FileRejected("content is not an Instagram payload: the JSON is not an object")
    error = graph_error(document)
    if error:
        raise FileRejected(error)
    book = RowBook()
    if "data" in document:
        account = resolve_account(given=payload.account, user_ids=insights_user_ids(document))
        read_insights(book, document, account)
        return _finish(KIND_API_INSIGHTS, book, account, payload, [], max_rejected_fraction)
    if is_profile(document):
        user_id = document.get("id")
        user_ids = [user_id] if isinstance(user_id, str) and is_user_id(user_id) else []
        account = resolve_account(given=payload.account, user_ids=user_ids)
        read_profile(book, document, account, _capture_date(payload))
        return _finish(KIND_API_PROFILE, book, account, payload, [], max_rejected_fraction)
    keys = ", ".join(shown(key) for key in list(document)[:10]) or "none"
    raise FileRejected(
        "content is not an Instagram payload: expected Graph insights (data[]) or a profile "
        f"(followers_count, media_count); found keys {keys}"
    )


def _parse_suite(payload: Payload, content: bytes, max_rejected_fraction: float) -> ParsedFile:
    suite = read_suite_file(content)
    # The export names no account of its own: only --account can say whose it is.
    account = resolve_account(given=payload.account, user_ids=[])
    book = RowBook()
    read_suite_rows(book, suite, account)
    facts = (suite.encoding, suite.delimiter, suite.line_ending)
    warnings = list(suite.warnings)
    return _finish(
        KIND_BUSINESS_SUITE_CSV, book, account, payload, warnings, max_rejected_fraction, facts
    )


def _finish(
    kind: str,
    book: RowBook,
    account: str,
    payload: Payload,
    warnings: list[str],
    max_rejected_fraction: float,
    text_facts: tuple[str, str, str] = ("utf-8", "", ""),
) -> ParsedFile:
    book.check_share(max_rejected_fraction)
    rejections = book.sorted_rejections()
    logger.info(
        "instagram_file_parsed kind=%s account=%s rows_in=%s rejected=%s",
        kind,
        account,
        book.rows_in,
        len(rejections),
    )
    encoding, delimiter, line_ending = text_facts
    return ParsedFile(
        kind=kind,
        schema_id=f"instagram_{kind}",
        tables=book.tables(_SCHEMAS),
        rows_in=book.rows_in,
        rejections=rejections,
        encoding=encoding,
        delimiter=delimiter,
        line_ending=line_ending,
        warnings=warnings,
        account=account,
        captured_at=_as_utc(payload.captured_at) if payload.captured_at else None,
    )


def _capture_date(payload: Payload) -> date:
    """The UTC day the profile was read: the capture time, else today (the upload day)."""
    if payload.captured_at is not None:
        return _as_utc(payload.captured_at).date()
    return datetime.now(UTC).date()


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

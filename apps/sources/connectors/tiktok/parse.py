"""Parse any TikTok file (SPEC 2.4): the content picks the parser, whatever kind was claimed.

- zip -> the legacy web export (`legacy.py`), checked against the archive limits first;
- JSON -> the follower snapshot (`snapshot.py`);
- CSV -> a Studio export (`studio.py`) or a lone legacy Overview (`legacy.py`), by header set.

The persona comes from `--account`, the content, or the handle ending the arrival name; the
capture date (the anchor of year-less days) from the legacy name, else the capture time, else
today.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.rowbook import (
    MAX_REJECTED_FRACTION,
    RowBook,
    read_json_file,
    shown,
)
from apps.sources.connectors.tiktok import legacy, studio
from apps.sources.connectors.tiktok.archive import read_zip
from apps.sources.connectors.tiktok.csvtext import CsvText, read_csv
from apps.sources.connectors.tiktok.layouts import (
    LAYOUTS,
    LEGACY_OVERVIEW,
    STUDIO_CONTENT,
    STUDIO_FOLLOWERS,
    STUDIO_OVERVIEW,
    layout_of_header,
)
from apps.sources.connectors.tiktok.names import legacy_name
from apps.sources.connectors.tiktok.personas import resolve_account
from apps.sources.connectors.tiktok.rows import Context, TableRows, read_table, schema_warnings
from apps.sources.connectors.tiktok.snapshot import (
    KIND_FOLLOWER_SNAPSHOT,
    read_snapshot,
    snapshot_of,
)
from apps.sources.connectors.tiktok.sniff import KIND_OF_LAYOUT, ZIP_MAGIC
from apps.sources.datasets_audience import AUDIENCE_BREAKDOWNS, AUDIENCE_BREAKDOWNS_SCHEMA
from apps.sources.datasets_social import (
    TIKTOK_DAILY,
    TIKTOK_DAILY_SCHEMA,
    TIKTOK_FOLLOWER_SNAPSHOTS,
    TIKTOK_FOLLOWER_SNAPSHOTS_SCHEMA,
    TIKTOK_VIDEOS,
    TIKTOK_VIDEOS_SCHEMA,
)

logger = logging.getLogger(__name__)

# TikTok CSVs and snapshots are kilobytes; past this a file is not one, and reading it whole
# would cost memory for nothing.
MAX_TEXT_BYTES = 16 * 1024 * 1024
_JSON_PADDING = b"\xef\xbb\xbf \t\r\n"

# Tables in this order: the lake reads a file's period from the first table with a date.
_SCHEMAS = {
    TIKTOK_DAILY: TIKTOK_DAILY_SCHEMA,
    TIKTOK_FOLLOWER_SNAPSHOTS: TIKTOK_FOLLOWER_SNAPSHOTS_SCHEMA,
    TIKTOK_VIDEOS: TIKTOK_VIDEOS_SCHEMA,
    AUDIENCE_BREAKDOWNS: AUDIENCE_BREAKDOWNS_SCHEMA,
}


def parse_tiktok(
    payload: Payload, *, max_rejected_fraction: float = MAX_REJECTED_FRACTION
) -> ParsedFile:
    """Typed rows of one TikTok file, or FileRejected naming why the file cannot load."""
    with payload.path.open("rb") as stream:
        head = stream.read(len(ZIP_MAGIC))
    if head.startswith(ZIP_MAGIC):
        return _parse_zip(payload, max_rejected_fraction)
    content = _small_content(payload)
    if content.lstrip(_JSON_PADDING).startswith((b"{", b"[")):
        return _parse_snapshot(payload, max_rejected_fraction)
    return _parse_csv(payload, read_csv(content, what="file"), max_rejected_fraction)


def _parse_zip(payload: Payload, max_rejected_fraction: float) -> ParsedFile:
    # Every archive limit is checked before anything else is read (R13).
    contents = read_zip(payload.path, frozenset(legacy.ENTRY_LAYOUTS))
    if legacy.OVERVIEW_ENTRY not in contents.entries:
        found = ", ".join(shown(name) for name in contents.other_names) or "none"
        raise FileRejected(f"zip holds no Overview.csv (entries: {found})")
    context = _context(payload)
    book = RowBook()
    merge = legacy.DailyMerge()
    warnings: list[str] = []
    encoding = line_ending = ""
    for key, layout_name in legacy.ENTRY_LAYOUTS.items():
        if key not in contents.entries:
            continue
        name, content = contents.entries[key]
        text = read_csv(content, what=name)
        encoding, line_ending = encoding or text.encoding, line_ending or text.line_ending
        rows = read_table(text, LAYOUTS[layout_name], what=name, prefix=f"{name}:")
        warnings += schema_warnings(rows, layout_name)
        if layout_name in legacy.DAILY_LAYOUTS:
            days, gaps = legacy.read_days(book, rows, context.anchor, name)
            merge.add(layout_name, days)
            warnings += gaps
        else:
            legacy.read_breakdown(book, rows, context, legacy.DIMENSIONS[layout_name])
    merge.keep(book, context.account, legacy.KIND_LEGACY_ZIP)
    warnings += _unread_entries(contents.other_names)
    text_facts = (encoding, ",", line_ending)
    return _finish(
        legacy.KIND_LEGACY_ZIP, book, context, warnings, text_facts, max_rejected_fraction
    )


def _parse_csv(payload: Payload, text: CsvText, max_rejected_fraction: float) -> ParsedFile:
    records = [record for record in text.records if not record.is_blank]
    if not records:
        raise FileRejected("file is empty (only blank lines)")
    layout = layout_of_header(records[0].fields)
    if layout is None:
        found = ", ".join(shown(field) for field in records[0].fields) or "none"
        raise FileRejected(
            f"content is not a TikTok export: header {found} matches no layout (Studio overview, "
            "content or followers; legacy Overview)"
        )
    context = _context(payload)
    rows = read_table(text, layout, what="file")
    book = RowBook()
    warnings = schema_warnings(rows, layout.name) + _read_csv_rows(book, rows, context)
    kind = KIND_OF_LAYOUT[layout.name]
    text_facts = (text.encoding, ",", text.line_ending)
    parsed = _finish(kind, book, context, warnings, text_facts, max_rejected_fraction)
    # What lake drift reports as new (SPEC 3.3): headers outside the layout after its aliases.
    return replace(parsed, unknown_columns=[header for _position, header in rows.match.unknown])


def _read_csv_rows(book: RowBook, rows: TableRows, context: Context) -> list[str]:
    """Rows of one standalone CSV into the book; returns the warnings its reader raised."""
    layout = rows.match.layout.name
    if layout == LEGACY_OVERVIEW:
        days, gaps = legacy.read_days(book, rows, context.anchor, "file")
        merge = legacy.DailyMerge()
        merge.add(layout, days)
        merge.keep(book, context.account, legacy.KIND_LEGACY_CSV)
        return gaps
    if layout == STUDIO_OVERVIEW:
        return studio.read_overview(book, rows, context)
    if layout == STUDIO_CONTENT:
        studio.read_content(book, rows, context)
        return []
    if layout == STUDIO_FOLLOWERS:
        return studio.read_followers(book, rows, context)
    raise FileRejected(f"TikTok layout {layout} cannot be read on its own")


def _parse_snapshot(payload: Payload, max_rejected_fraction: float) -> ParsedFile:
    snapshot = snapshot_of(read_json_file(payload.path))
    context = _context(payload, content_names=list(snapshot.named))
    book = RowBook()
    captured_at = read_snapshot(book, snapshot, context.account)
    context = Context(context.account, context.anchor, captured_at or context.captured_at)
    return _finish(
        KIND_FOLLOWER_SNAPSHOT, book, context, [], ("utf-8", "", ""), max_rejected_fraction
    )


def _finish(
    kind: str,
    book: RowBook,
    context: Context,
    warnings: list[str],
    text_facts: tuple[str, str, str],
    max_rejected_fraction: float,
) -> ParsedFile:
    book.check_share(max_rejected_fraction)
    tables = book.tables(_SCHEMAS)
    rejections = book.sorted_rejections()
    logger.info(
        "tiktok_file_parsed kind=%s account=%s rows_in=%s rejected=%s warnings=%s",
        kind,
        context.account,
        book.rows_in,
        len(rejections),
        len(warnings),
    )
    encoding, delimiter, line_ending = text_facts
    return ParsedFile(
        kind=kind,
        schema_id=f"tiktok_{kind}",
        tables=tables,
        rows_in=book.rows_in,
        rejections=rejections,
        encoding=encoding,
        delimiter=delimiter,
        line_ending=line_ending,
        warnings=warnings,
        account=context.account,
        captured_at=context.captured_at,
    )


def _context(payload: Payload, *, content_names: list[str] | None = None) -> Context:
    account = resolve_account(
        given=payload.account,
        content_names=content_names or [],
        original_name=payload.original_name,
    )
    named = legacy_name(payload.original_name)
    if named is not None:
        return Context(account, named.capture_date, named.captured_at)
    if payload.captured_at is not None:
        captured_at = _as_utc(payload.captured_at)
        return Context(account, captured_at.date(), captured_at)
    return Context(account, _today(), None)


def _unread_entries(names: tuple[str, ...]) -> list[str]:
    warnings = []
    for name in names:
        base = name.replace("\\", "/").rsplit("/", 1)[-1].casefold()
        reason = "kept_in_raw_only" if base in legacy.RAW_ONLY_ENTRIES else "not_a_known_entry"
        warnings.append(f"zip_entry_not_parsed name={name!a} reason={reason}")
    return warnings


def _small_content(payload: Payload) -> bytes:
    size = payload.path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise FileRejected(f"file is {size} bytes; a TikTok export is at most {MAX_TEXT_BYTES}")
    return payload.path.read_bytes()


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _today() -> date:
    """The upload day in UTC: the last resort anchor when neither name nor payload dates it."""
    return datetime.now(UTC).date()

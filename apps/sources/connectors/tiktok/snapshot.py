"""The follower snapshot the extractor writes from the profile page (SPEC 2.4):
`{"count", "source_url", "timestamp", "artist"}`.

It is recorded on its capture date (the UTC day of `timestamp`) only, never stamped onto other
days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import (
    INVALID_DATE,
    RowBook,
    RowInvalid,
    json_text,
    parse_count,
    shown,
)
from apps.sources.connectors.tiktok.personas import handle_in_url
from apps.sources.datasets_social import TIKTOK_FOLLOWER_SNAPSHOTS

KIND_FOLLOWER_SNAPSHOT = "follower_snapshot"
SNAPSHOT_KEYS = frozenset({"count", "source_url", "timestamp", "artist"})

# Epochs past this are in milliseconds (1e11 seconds is the year 5138).
_MILLISECOND_EPOCH = 10**11


@dataclass(frozen=True)
class Snapshot:
    """What a snapshot says, before the account is known."""

    document: dict[str, object]
    named: tuple[str, ...]


def is_snapshot(document: object) -> bool:
    return isinstance(document, dict) and document.keys() >= SNAPSHOT_KEYS


def snapshot_of(document: object) -> Snapshot:
    """The snapshot and the personas it names (artist, profile URL handle)."""
    if not isinstance(document, dict) or not document.keys() >= SNAPSHOT_KEYS:
        raise FileRejected(
            "content is not a TikTok follower snapshot: expected a JSON object with "
            f"{', '.join(sorted(SNAPSHOT_KEYS))}"
        )
    named = [document["artist"]] if isinstance(document["artist"], str) else []
    url = document["source_url"]
    handle = handle_in_url(url) if isinstance(url, str) else None
    if handle:
        named.append(handle)
    return Snapshot(document=document, named=tuple(named))


def read_snapshot(book: RowBook, snapshot: Snapshot, account: str) -> datetime | None:
    """Keep the one snapshot row; returns the capture time, None when the row was rejected."""
    book.count()
    raw = json_text(snapshot.document)
    try:
        captured_at = capture_time(snapshot.document["timestamp"])
        followers = parse_count(snapshot.document["count"], "count")
        if followers is None:
            raise RowInvalid("count", "missing_value", "count is missing")
    except RowInvalid as invalid:
        book.reject(
            row=1, column=invalid.column, code=invalid.code, message=invalid.message, raw_line=raw
        )
        return None
    day = captured_at.date()
    row = {"account": account, "captured_on": day, "followers": followers}
    book.keep(TIKTOK_FOLLOWER_SNAPSHOTS, (account, day), row, row=1, raw_line=raw)
    return captured_at


def capture_time(value: object) -> datetime:
    """The snapshot's time in UTC: ISO 8601 text (naive means UTC) or a Unix epoch (s or ms)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            # Python 3.11 reads `Z` and `+0000` offsets as well as `+00:00`.
            moment = datetime.fromisoformat(text)
        except ValueError:
            if text.isdigit():
                return _from_epoch(float(text))
            raise RowInvalid(
                "timestamp", INVALID_DATE, f"timestamp {shown(value)} is not an ISO 8601 time"
            ) from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    raise RowInvalid("timestamp", INVALID_DATE, f"timestamp {shown(value)} is not a time")


def _from_epoch(seconds: float) -> datetime:
    if not math.isfinite(seconds) or seconds < 0:
        raise RowInvalid("timestamp", INVALID_DATE, f"timestamp {shown(seconds)} is not a time")
    if seconds >= _MILLISECOND_EPOCH:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise RowInvalid(
            "timestamp", INVALID_DATE, f"timestamp {shown(seconds)} is out of range"
        ) from None

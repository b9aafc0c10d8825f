"""What a TikTok arrival name tells: `Overview_<YYYY-MM-DD>_<epoch>_<handle>.zip` (SPEC 2.4).

The name never decides the source or the kind (the content does); it only adds the capture
date (the anchor of year-less dates) and the handle (the persona) that the content lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import PurePath

_LEGACY_NAME = re.compile(
    r"(?P<view>[A-Za-z]+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<epoch>\d{9,13})_(?P<handle>.+?)"
    # A browser saving the same name twice appends ` (1)`.
    r"(?: \(\d+\))?(?:\.(?:zip|csv))?",
    re.IGNORECASE,
)
# An epoch of 13 digits is in milliseconds.
_MILLISECOND_DIGITS = 13
# The epoch is trusted as the capture time only when it is this close to the named day's start
# (the name's date may be local while the epoch is UTC).
_EPOCH_TOLERANCE = timedelta(days=2)


@dataclass(frozen=True)
class LegacyName:
    capture_date: date
    captured_at: datetime
    handle: str


def legacy_name(original_name: str) -> LegacyName | None:
    """The capture date, capture time and handle of a legacy export name, or None."""
    name = PurePath(original_name.replace("\\", "/")).name
    match = _LEGACY_NAME.fullmatch(name)
    if match is None:
        return None
    try:
        capture_date = date.fromisoformat(match.group("date"))
    except ValueError:
        return None
    return LegacyName(
        capture_date=capture_date,
        captured_at=_capture_time(capture_date, match.group("epoch")),
        handle=match.group("handle"),
    )


def _capture_time(capture_date: date, epoch_text: str) -> datetime:
    """The epoch as a UTC time when it agrees with the date, else the date's midnight (UTC)."""
    midnight = datetime.combine(capture_date, time(), tzinfo=UTC)
    seconds = int(epoch_text)
    if len(epoch_text) == _MILLISECOND_DIGITS:
        seconds //= 1000
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return midnight
    if abs(moment - midnight) > _EPOCH_TOLERANCE:
        return midnight
    return moment

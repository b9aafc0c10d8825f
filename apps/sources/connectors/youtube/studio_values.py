"""Cell values of YouTube Studio CSVs beyond the common export readers (`exporttext`): net
subscriber counts, hours, percents, durations and ids Excel shortened.

Each reader returns None for an empty cell and raises `RowInvalid` (row rejected) for a value
it cannot read, so no unreadable value silently becomes null.
"""

from __future__ import annotations

import re
from decimal import Decimal

from apps.sources.connectors.exporttext import amount_of, date_of, decimal_of, is_scientific
from apps.sources.connectors.rowbook import (
    INVALID_NUMBER,
    NEGATIVE_COUNT,
    RowInvalid,
    is_blank,
    shown,
)

__all__ = ["amount_of", "date_of", "decimal_of", "is_scientific"]

# An id Excel turned into a number in scientific notation has lost digits (SPEC conventions).
ID_LOST_PRECISION = "id_lost_precision"
PERCENT = Decimal(100)

_CLOCK = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)")


def count_of(text: str, column: str) -> int | None:
    """A non-negative whole number."""
    value = signed_of(text, column)
    if value is not None and value < 0:
        raise RowInvalid(column, NEGATIVE_COUNT, f"{column} {value} is negative")
    return value


def signed_of(text: str, column: str) -> int | None:
    """A whole number that may be negative (Studio's net `Subscribers`)."""
    value = decimal_of(text, column)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(text)} is not a whole number")
    return int(value)


def hours_of(text: str, column: str) -> float | None:
    value = decimal_of(text, column)
    if value is not None and value < 0:
        raise RowInvalid(column, NEGATIVE_COUNT, f"{column} {shown(text)} is negative")
    return None if value is None else float(value)


def percent_fraction_of(text: str, column: str) -> float | None:
    """A vendor percent stored as a fraction (SPEC conventions: Rates); `4.56` -> 0.0456."""
    value = decimal_of(text.strip().removesuffix("%"), column)
    if value is not None and value < 0:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(text)} is not a rate")
    return None if value is None else float(value / PERCENT)


def duration_of(text: str, column: str) -> int | None:
    """Seconds, written as a number (`183`) or as a clock (`3:03`, `1:02:03`)."""
    if is_blank(text):
        return None
    clock = _CLOCK.fullmatch(text.strip())
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return hours * 3600 + minutes * 60 + seconds
    return count_of(text, column)

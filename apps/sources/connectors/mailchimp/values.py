"""Mailchimp JSON values: ids and text, ISO times with an offset, counts in nested objects and
rates that are fractions in reports but 0-100 in list stats (SPEC 2.8)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from apps.sources.connectors.rowbook import (
    INVALID_DATE,
    INVALID_VALUE,
    MISSING_VALUE,
    RowInvalid,
    is_blank,
    parse_rate,
    shown,
)

PERCENT = Decimal(100)
# Longer text is not an id Mailchimp issues (they are 10 hex digits or short numbers).
MAX_ID_CHARS = 64


def required_id(value: object, column: str) -> str:
    """A Mailchimp id, kept as text; a JSON number is taken as written."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if is_blank(value):
        raise RowInvalid(column, MISSING_VALUE, f"{column} is missing")
    if not isinstance(value, str) or len(value.strip()) > MAX_ID_CHARS:
        raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(value)} is not an id")
    return value.strip()


def optional_text(value: object, column: str) -> str | None:
    if is_blank(value):
        return None
    if not isinstance(value, str):
        raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(value)} is not text")
    return value.strip()


def nested(document: dict[str, object], key: str) -> dict[str, object]:
    """A nested object (`bounces`, `opens`, `stats`...); absent is empty, anything else rejects."""
    value = document.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowInvalid(key, INVALID_VALUE, f"{key} {shown(value)} is not an object")
    return value


def send_time(value: object, column: str) -> datetime | None:
    """An ISO time with its offset, in UTC; a time without an offset is ambiguous and rejects."""
    if is_blank(value):
        return None
    moment: datetime | None = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise RowInvalid(column, INVALID_DATE, f"{column} {shown(value)} is not an ISO time")
    if moment.tzinfo is None:
        raise RowInvalid(column, INVALID_DATE, f"{column} {shown(value)} has no UTC offset")
    return moment.astimezone(UTC)


def percent_as_fraction(value: object, column: str) -> float | None:
    """A 0-100 list rate as a fraction (SPEC conventions: Rates), through Decimal so 42.1
    becomes 0.421 and not 0.42100000000000004."""
    rate = parse_rate(value, column)
    if rate is None:
        return None
    return float(Decimal(repr(rate)) / PERCENT)

"""Dates of the TikTok exports: year-less legacy days (`December 30`, `30 de dezembro`) whose
year is inferred from an anchor, and Studio's `YYYY/MM/DD` (SPEC 2.4).

Year inference, for rows in ascending file order:
1. the last row takes the anchor's year, or the year before if its month/day is after the
   anchor's;
2. walking backwards, the year drops by one each time month/day increases.
No year is ever hard-coded: the anchor (capture date) decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import pairwise

# Month names as they appear once accents are dropped and case folded (English, Portuguese).
MONTHS: dict[str, int] = {
    **{
        name: number
        for number, name in enumerate(
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            start=1,
        )
    },
    **{
        name: number
        for number, name in enumerate(
            [
                "janeiro",
                "fevereiro",
                "marco",
                "abril",
                "maio",
                "junho",
                "julho",
                "agosto",
                "setembro",
                "outubro",
                "novembro",
                "dezembro",
            ],
            start=1,
        )
    },
}
# Three-letter abbreviations of both languages (`Dec 30`, `30 de dez.`).
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9

# The longest day of each month in any year; February 29 is checked once the year is known.
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_MONTH_FIRST = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?")
_DAY_FIRST = re.compile(r"(\d{1,2}) (?:de )?([a-z]+)\.?")
_FULL_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DATE_TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day without its year; ordered by month, then day."""

    month: int
    day: int

    @classmethod
    def of(cls, day: date) -> MonthDay:
        return cls(day.month, day.day)


def fold(text: str) -> str:
    """Accents dropped, case folded, spaces collapsed: how names and headers are compared."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.split()).casefold()


def parse_day(text: str) -> MonthDay | date | None:
    """A legacy day: year-less (`December 30`, `30 de dezembro`) or a full ISO date; else None."""
    cleaned = fold(text).replace(",", " ").strip()
    cleaned = " ".join(cleaned.split())
    full = _FULL_DATE.fullmatch(cleaned)
    if full:
        return _full_date(*full.groups())
    month_first = _MONTH_FIRST.fullmatch(cleaned)
    if month_first:
        return _month_day(month_first.group(1), month_first.group(2))
    day_first = _DAY_FIRST.fullmatch(cleaned)
    if day_first:
        return _month_day(day_first.group(2), day_first.group(1))
    return None


def parse_full_date(text: str) -> date | None:
    """Studio's `YYYY/MM/DD` (or `YYYY-MM-DD`); None when it is not one."""
    match = _FULL_DATE.fullmatch(text.strip())
    return _full_date(*match.groups()) if match else None


def parse_date_time(text: str) -> datetime | None:
    """Studio's `YYYY/MM/DD HH:MM` post time, as the naive wall-clock time it shows."""
    match = _DATE_TIME.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = match.groups()
    day_part = _full_date(year, month, day)
    if day_part is None or int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
        return None
    return datetime.combine(day_part, time(int(hour), int(minute), int(second or 0)))


def infer_years(month_days: Sequence[MonthDay], anchor: date) -> list[int]:
    """The year of each row of an ascending export captured on `anchor` (rules 1 and 2)."""
    if not month_days:
        return []
    year = anchor.year if month_days[-1] <= MonthDay.of(anchor) else anchor.year - 1
    years = [year]
    for later, earlier in zip(reversed(month_days[1:]), reversed(month_days[:-1]), strict=True):
        if earlier > later:
            # Walking backwards, month/day went up: the row is in the year before.
            year -= 1
        years.append(year)
    years.reverse()
    return years


def gap_warnings(days: Sequence[date], entry: str) -> list[str]:
    """One warning per hole in a run of days that should be consecutive (ASCII, for logs)."""
    ordered = sorted(set(days))
    # Entry names come from the zip and may hold any character; log lines stay ASCII.
    entry = entry.encode("ascii", "backslashreplace").decode("ascii")
    warnings = []
    for before, after in pairwise(ordered):
        missing = (after - before).days - 1
        if missing > 0:
            warnings.append(
                f"date_gap entry={entry} after={before.isoformat()} "
                f"next={after.isoformat()} missing_days={missing}"
            )
    return warnings


def _full_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _month_day(month_name: str, day_text: str) -> MonthDay | None:
    month = MONTHS.get(month_name)
    day = int(day_text)
    if month is None or not 1 <= day <= _LONGEST_MONTH[month - 1]:
        return None
    return MonthDay(month, day)

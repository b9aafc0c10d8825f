"""Typed values of Meta files: locale numbers and dates, percents, ids, rankings, budgets.

Export cells arrive as text (CSV) or as the workbook's own types (XLSX: floats like `5963.0`,
datetimes); API values are strings. Each function returns the typed value, None when the cell is
empty or `-`, or raises RowInvalid naming the column, so one bad cell rejects only its row.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from apps.sources.connectors.rowbook import (
    INT64_MAX,
    INVALID_DATE,
    INVALID_NUMBER,
    INVALID_VALUE,
    NEGATIVE_COUNT,
    RowInvalid,
    shown,
)

Cell = str | int | float | datetime | date | None

# Cells Meta writes for "no value": empty, a dash (rankings, costs with no results), an em dash.
NO_VALUE = frozenset({"", "-", "--", "\u2013", "\u2014", "n/a"})
# A number longer than this is garbage, not a metric; bounded before Decimal sees it.
MAX_NUMBER_CHARS = 40
# Excel keeps 15 significant digits; a float cell is read at that precision (30.299999999999997
# is the 30.3 the sheet shows).
EXCEL_DIGITS = 15
# The largest integer a float holds exactly; a float id at or above it has lost digits.
FLOAT_EXACT_MAX = 2**53
ID_PRECISION_LOST = "ID precision lost"
# The curated money type (datasets_meta.MONEY): 12 digits before the point, 12 after.
MONEY_LIMIT = Decimal(10) ** 12
MONEY_STEP = Decimal(1).scaleb(-12)

_GROUP_CHARS = " \u00a0\u202f'"
# Patterns are ASCII: `\d` would otherwise take Arabic-Indic and other digits into an id.
_POINT_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_POINT_GROUPED = re.compile(r"-?\d{1,3}(?:[, \u00a0\u202f']\d{3})+(?:\.\d+)?", re.ASCII)
_COMMA_NUMBER = re.compile(r"-?(?:\d+(?:,\d*)?|,\d+)", re.ASCII)
_COMMA_GROUPED = re.compile(r"-?\d{1,3}(?:[. \u00a0\u202f']\d{3})+(?:,\d+)?", re.ASCII)
# Currency signs a re-saved or hand-made export writes around an amount (`$15.00`, `R$ 3,75`).
_MONEY_SIGN = re.compile(r"^(?:US\$|R\$|[$\u20ac\u00a3])\s*|\s*[$\u20ac\u00a3]$")
_EXACT_ID = re.compile(r"\d{1,20}", re.ASCII)
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE][+]?\d{1,3}", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z]*)?", re.ASCII)
_NUMERIC_DATE = re.compile(r"(\d{1,4})[/.](\d{1,2})[/.](\d{2}|\d{4})(?: [0-9:]+)?", re.ASCII)
_DATE_TOKEN = re.compile(r"[a-z]+|\d+", re.ASCII)
# Words that sit between the parts of a written date (`10 de dez. de 2022`, `Dec 10, 2022`).
_DATE_FILLERS = frozenset({"de", "del", "of", "le", "el"})

# Month names and abbreviations of EN, FR, PT and ES, accents removed, to the month number.
MONTH_NAMES: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "jan january janv janvier janeiro ene enero",
            "feb february fev fevr fevrier fevereiro febrero",
            "mar march mars marco marzo",
            "apr april avr avril abr abril",
            "may mai maio mayo",
            "jun june juin junho junio",
            "jul july juil juillet julho julio",
            "aug august aout ago agosto",
            "sep sept september septembre set setembro septiembre setiembre",
            "oct october octobre out outubro octubre",
            "nov november novembre novembro noviembre",
            "dec december decembre dez dezembro dic diciembre",
        ),
        start=1,
    )
    for name in names.split()
}

# `Ends` when the ad set has no end date.
ONGOING_WORDS = frozenset({"ongoing", "en cours", "em andamento", "continuo", "en curso"})

# Ad set budget types as written in each language -> the stored value.
BUDGET_TYPES: dict[str, str] = {
    "daily": "daily",
    "quotidien": "daily",
    "budget quotidien": "daily",
    "diario": "daily",
    "orcamento diario": "daily",
    "presupuesto diario": "daily",
    "lifetime": "lifetime",
    "global": "lifetime",
    "budget global": "lifetime",
    "vitalicio": "lifetime",
    "orcamento vitalicio": "lifetime",
    "total": "lifetime",
    "presupuesto total": "lifetime",
    "using campaign budget": "campaign",
    "utilisation du budget de la campagne": "campaign",
    "budget de la campagne": "campaign",
    "usando orcamento da campanha": "campaign",
    "usando el presupuesto de la campana": "campaign",
}


@dataclass(frozen=True)
class NumberStyle:
    """How a file writes numbers and slash dates (an Excel re-save changes both)."""

    decimal_mark: str = "."
    is_day_first: bool = False


@dataclass(frozen=True)
class IdValue:
    """An id read as exact text, or discarded because the file lost its digits."""

    value: str | None
    is_lost: bool = False
    raw: str = ""


def plain(text: str) -> str:
    """Lower case without accents or extra spaces, for matching words like `Décembre`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.split())


def is_no_value(cell: Cell) -> bool:
    if cell is None:
        return True
    return isinstance(cell, str) and cell.strip().casefold() in NO_VALUE


def text(cell: Cell) -> str | None:
    """A text cell as written, outer spaces removed; a float from a workbook loses its `.0`."""
    if is_no_value(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def name(cell: Cell) -> str:
    """A campaign, ad set or ad name exactly as given (emoji, quotes, commas), outer spaces off.

    Only an empty cell is "no name": a name that is literally `-` is still a name.
    """
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def decimal(cell: Cell, column: str, style: NumberStyle) -> Decimal | None:
    """An exact decimal from text in the file's style, or from a workbook number."""
    if is_no_value(cell):
        return None
    if isinstance(cell, bool | datetime | date):
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(cell)} is not a number")
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(cell)} is not a number")
        return Decimal(f"{cell:.{EXCEL_DIGITS}g}")
    return _decimal_text(str(cell).strip().removesuffix("%").strip(), column, style)


def _decimal_text(raw: str, column: str, style: NumberStyle) -> Decimal:
    if len(raw) <= MAX_NUMBER_CHARS:
        if style.decimal_mark == ",":
            if _COMMA_NUMBER.fullmatch(raw) or _COMMA_GROUPED.fullmatch(raw):
                cleaned = raw.replace(".", "").translate({ord(c): None for c in _GROUP_CHARS})
                return _to_decimal(cleaned.replace(",", "."), column)
        elif _POINT_NUMBER.fullmatch(raw) or _POINT_GROUPED.fullmatch(raw):
            cleaned = raw.replace(",", "").translate({ord(c): None for c in _GROUP_CHARS})
            return _to_decimal(cleaned, column)
    raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(raw)} is not a number")


def _to_decimal(cleaned: str, column: str) -> Decimal:
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the patterns only let numbers through
        raise RowInvalid(
            column, INVALID_NUMBER, f"{column} {shown(cleaned)} is not a number"
        ) from None


def money(cell: Cell, column: str, style: NumberStyle) -> Decimal | None:
    """A non-negative amount, exact (Meta never writes a negative spend or budget).

    A currency sign (`$15.00`, `15,00 \u20ac`) is dropped: the header names the currency.
    """
    if isinstance(cell, str):
        cell = _MONEY_SIGN.sub("", cell.strip())
    amount = decimal(cell, column, style)
    if amount is None:
        return None
    if amount < 0:
        raise RowInvalid(column, INVALID_VALUE, f"{column} {amount} is negative")
    return fitted_money(amount, column)


def fitted_money(amount: Decimal, column: str) -> Decimal:
    """The amount when the curated money type holds it exactly; rejecting beats rounding."""
    # Bounded first: quantize raises InvalidOperation past the context's 28 digits.
    if abs(amount) < MONEY_LIMIT and amount.quantize(MONEY_STEP) == amount:
        return amount
    raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(str(amount))} does not fit money")


def count(cell: Cell, column: str, style: NumberStyle) -> int | None:
    """A whole, non-negative number; a workbook's `5963.0` is 5963."""
    number = decimal(cell, column, style)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(cell)} is not a whole number")
    if number < 0:
        raise RowInvalid(column, NEGATIVE_COUNT, f"{column} {number} is negative")
    if number > INT64_MAX:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {shown(cell)} is out of range")
    return int(number)


def ratio(cell: Cell, column: str, style: NumberStyle) -> float | None:
    """A non-negative number kept as a float (frequency)."""
    number = decimal(cell, column, style)
    if number is None:
        return None
    if number < 0:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {number} is negative")
    return float(number)


def percent(cell: Cell, column: str, style: NumberStyle) -> float | None:
    """A vendor percent (`1.2345` or `1,2345 %`) as a fraction (SPEC conventions: rates)."""
    number = decimal(cell, column, style)
    if number is None:
        return None
    if number < 0:
        raise RowInvalid(column, INVALID_NUMBER, f"{column} {number} is negative")
    return float(number / 100)


def ranking(cell: Cell) -> str | None:
    """A quality/engagement/conversion ranking as written; `-` (not enough data) is null."""
    return text(cell)


def budget_type(cell: Cell) -> str | None:
    """`daily`, `lifetime` or `campaign`; an unknown wording is kept as written, never nulled."""
    written = text(cell)
    if written is None:
        return None
    return BUDGET_TYPES.get(plain(written), written)


def budget(cell: Cell, column: str, style: NumberStyle) -> Decimal | None:
    """An ad set budget; `Using campaign budget` in the amount column means none of its own."""
    if isinstance(cell, str) and BUDGET_TYPES.get(plain(cell)) == "campaign":
        return None
    return money(cell, column, style)


def ends(cell: Cell, column: str, style: NumberStyle) -> tuple[date | None, bool | None]:
    """(end date, is_ongoing): a date, or `Ongoing`/`En cours` (no end date)."""
    if isinstance(cell, str) and plain(cell) in ONGOING_WORDS:
        return None, True
    day = calendar_date(cell, column, style)
    return day, (None if day is None else False)


def calendar_date(cell: Cell, column: str, style: NumberStyle) -> date | None:
    """A date from ISO, numeric (`10/12/2022`, day first per the file) or written text."""
    if is_no_value(cell):
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, str) and len(cell) <= MAX_NUMBER_CHARS:
        parsed = _date_text(cell.strip(), style)
        if parsed is not None:
            return parsed
    raise RowInvalid(column, INVALID_DATE, f"{column} {shown(cell)} is not a date")


def _date_text(raw: str, style: NumberStyle) -> date | None:
    iso = _ISO_DATE.fullmatch(raw)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    numeric = _NUMERIC_DATE.fullmatch(raw)
    if numeric:
        return _numeric_date(numeric.group(1), numeric.group(2), numeric.group(3), style)
    return _written_date(raw)


def _numeric_date(first: str, second: str, third: str, style: NumberStyle) -> date | None:
    if len(first) == 4:
        return _safe_date(int(first), int(second), int(third))
    year = int(third) + (2000 if len(third) == 2 else 0)
    if style.is_day_first:
        return _safe_date(year, int(second), int(first))
    return _safe_date(year, int(first), int(second))


def _written_date(raw: str) -> date | None:
    """`10 de dez. de 2022`, `10 déc. 2022`, `Dec 10, 2022`, `10 December 2022`."""
    tokens = [token for token in _DATE_TOKEN.findall(plain(raw)) if token not in _DATE_FILLERS]
    if len(tokens) != 3:
        return None
    words = [token for token in tokens if token.isalpha()]
    numbers = [token for token in tokens if token.isdigit()]
    if len(words) != 1 or words[0] not in MONTH_NAMES:
        return None
    years = [number for number in numbers if len(number) == 4]
    days = [number for number in numbers if len(number) <= 2]
    if len(years) != 1 or len(days) != 1:
        return None
    return _safe_date(int(years[0]), MONTH_NAMES[words[0]], int(days[0]))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def numeric_date_parts(cell: Cell) -> tuple[int, int] | None:
    """The first two numbers of a `d/m/y` or `m/d/y` cell, to tell the file's order."""
    if not isinstance(cell, str):
        return None
    numeric = _NUMERIC_DATE.fullmatch(cell.strip())
    if numeric is None or len(numeric.group(1)) == 4:
        return None
    return int(numeric.group(1)), int(numeric.group(2))


def meta_id(cell: Cell, column: str) -> IdValue:
    """An id as exact text. Scientific notation (`1.20253E+17`) or a float past 2**53 has lost
    digits: the id is discarded (never rounded into a wrong id) and the caller warns."""
    if is_no_value(cell):
        return IdValue(None)
    if isinstance(cell, bool | datetime | date):
        raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(cell)} is not an id")
    if isinstance(cell, int):
        return _int_id(cell, column)
    if isinstance(cell, float):
        if math.isfinite(cell) and cell.is_integer() and 0 <= cell < FLOAT_EXACT_MAX:
            return IdValue(str(int(cell)))
        return IdValue(None, is_lost=True, raw=repr(cell))
    raw = str(cell).strip().lstrip("'")
    if _EXACT_ID.fullmatch(raw):
        return IdValue(raw)
    if _SCIENTIFIC.fullmatch(raw):
        return IdValue(None, is_lost=True, raw=raw)
    raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(cell)} is not an id")


def _int_id(value: int, column: str) -> IdValue:
    if value < 0 or value >= 10**20:
        raise RowInvalid(column, INVALID_VALUE, f"{column} {shown(value)} is not an id")
    return IdValue(str(value))

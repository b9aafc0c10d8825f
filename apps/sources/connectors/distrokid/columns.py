"""Vectorised checks and conversions of statement columns: pyarrow compute and numpy, no row loop.

Every converter takes the trimmed text of one column and returns the typed array plus the rows it
refuses. Only values that passed their check are ever cast (refused and empty rows become null),
so no cast can raise; the caller drops refused rows before anything is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from apps.sources.datasets import MONEY

# Stable row-rejection codes (staging stores them; the lake page counts by them).
MISSING_VALUE = "missing_value"
INVALID_DATE = "invalid_date"
INVALID_AMOUNT = "invalid_amount"
INVALID_QUANTITY = "invalid_quantity"
NEGATIVE_COUNT = "negative_count"
INVALID_PERCENTAGE = "invalid_percentage"
RAGGED_ROW = "ragged_row"

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MONTH_PATTERN = r"^\d{4}-\d{2}$"
# At most 10 integer digits: rounded to 8 places the amount still fits an int64 for the
# fingerprint, and no statement line comes near ten billion dollars. At most 12 decimals (MONEY).
AMOUNT_PATTERN = r"^[+-]?(\d{1,10}(\.\d{0,12})?|\.\d{1,12})$"
# `1.5E-06`: how a spreadsheet or a float formatter writes a tiny earnings line. Unlike an id,
# such an amount is exact, so it is expanded to fixed point and then checked like any other.
SCIENTIFIC_PATTERN = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d{1,3}$"
COUNT_PATTERN = r"^\d{1,15}$"
NEGATIVE_PATTERN = r"^-\d+$"
PERCENT_PATTERN = r"^\d{1,3}$"

# Dates outside this range are typos, and Python's date cannot hold year 0 downstream.
MIN_YEAR = 1900
MAX_YEAR = 2999

_ASCII_ZERO = ord("0")


@dataclass(frozen=True)
class ColumnProblem:
    """Rows of one batch that one column refuses, with the code and the reason for the message."""

    header: str
    code: str
    reason: str
    is_bad: np.ndarray


@dataclass(frozen=True)
class Converted:
    values: pa.Array
    problems: list[ColumnProblem]


@dataclass(frozen=True)
class Distinct:
    """A block's column as its distinct values plus, per row, which value it holds.

    pyarrow reads repetitive columns dictionary-encoded: a million statement lines hold a few
    hundred dates, stores or titles, so checks and conversions run once per distinct value and
    rows pick their result by index. A column read as plain text has one "value" per row.
    """

    values: pa.Array
    # Per row, the position of its value; None when `values` already has one entry per row.
    indices: np.ndarray | None

    @classmethod
    def of(cls, array: pa.Array) -> Distinct:
        if not pa.types.is_dictionary(array.type):
            return cls(array, None)
        # Zero-copy: the indices never hold nulls (empty fields are read as ""), and the copying
        # conversion costs ~6 ms per block.
        return cls(array.dictionary, array.indices.to_numpy(zero_copy_only=True))

    def with_values(self, values: pa.Array) -> Distinct:
        return Distinct(values, self.indices)

    def per_row(self, flags: np.ndarray) -> np.ndarray:
        """A per-value numpy result spread over the rows."""
        return flags if self.indices is None else flags[self.indices]

    def kept(self, values: pa.Array, keep: np.ndarray) -> pa.Array:
        """A per-value pyarrow result for the rows where `keep` is set, in row order."""
        if self.indices is None:
            return values if keep.all() else values.filter(pa.array(keep))
        return values.take(pa.array(self.indices[keep]))

    def value(self, row: int) -> object:
        return self.values[row if self.indices is None else int(self.indices[row])].as_py()


def trimmed(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values)


def is_empty(values: pa.Array) -> np.ndarray:
    if pa.types.is_dictionary(values.type):
        return Distinct.of(values).per_row(is_empty(values.dictionary))
    return _mask(pc.equal(pc.binary_length(values), 0))


def with_nulls(values: pa.Array, is_null: np.ndarray) -> pa.Array:
    """The same values with `is_null` rows set to null, reusing the data buffers."""
    if not is_null.any():
        return values
    if values.offset or values.null_count or values.type.num_fields:
        return _where(values, ~is_null, lambda present: present)
    buffers = values.buffers()
    buffers[0] = pa.py_buffer(np.packbits(~is_null, bitorder="little"))
    return pa.Array.from_buffers(values.type, len(values), buffers, null_count=int(is_null.sum()))


def texts(values: pa.Array, header: str, *, is_required: bool) -> Converted:
    """Text as given (trimmed); an empty optional value is null, so "no ISRC" is not a value."""
    empty = is_empty(values)
    if is_required:
        return Converted(values, [ColumnProblem(header, MISSING_VALUE, "is empty", empty)])
    return Converted(with_nulls(values, empty), [])


def dates(values: pa.Array, header: str, *, is_required: bool, is_month: bool) -> Converted:
    """`YYYY-MM-DD` (or `YYYY-MM`, read as the month's first day) to date32, calendar-checked."""
    empty = is_empty(values)
    shaped = _mask(pc.match_substring_regex(values, MONTH_PATTERN if is_month else DATE_PATTERN))
    digits = _leading_digits(values, 7 if is_month else 10)
    year = _number(digits, 0, 4)
    month = _number(digits, 5, 7)
    day = np.ones(len(values), dtype=np.int64) if is_month else _number(digits, 8, 10)
    has_month = (month >= 1) & (month <= 12)
    month_start = (year - 1970) * 12 + np.where(has_month, month, 1) - 1
    first_day = month_start.astype("datetime64[M]").astype("datetime64[D]")
    month_days = (month_start + 1).astype("datetime64[M]").astype("datetime64[D]") - first_day
    is_valid = shaped & has_month & (day >= 1) & (day <= month_days.astype(np.int64))
    is_valid &= (year >= MIN_YEAR) & (year <= MAX_YEAR)
    days = (first_day + np.where(is_valid, day - 1, 0)).astype(np.int64).astype(np.int32)
    typed = pa.array(days, type=pa.date32(), mask=~is_valid)
    shape = "YYYY-MM month" if is_month else "YYYY-MM-DD date"
    problems = [ColumnProblem(header, INVALID_DATE, f"is not a {shape}", ~empty & ~is_valid)]
    return Converted(typed, _with_missing(problems, header, empty, is_required=is_required))


def amounts(values: pa.Array, header: str, *, is_required: bool) -> Converted:
    """Exact decimals (never float): only pattern-checked text is cast, so the cast cannot fail."""
    empty = is_empty(values)
    values = _fixed_point(values)
    is_valid = _mask(pc.match_substring_regex(values, AMOUNT_PATTERN))
    typed = _where(values, is_valid, lambda present: pc.cast(present, MONEY))
    reason = "is not a decimal amount (up to 10 digits and 12 decimals)"
    problems = [ColumnProblem(header, INVALID_AMOUNT, reason, ~empty & ~is_valid)]
    return Converted(typed, _with_missing(problems, header, empty, is_required=is_required))


def _fixed_point(values: pa.Array) -> pa.Array:
    """Scientific-notation amounts written out in full (rare: a Python loop over those only)."""
    is_scientific = _mask(pc.match_substring_regex(values, SCIENTIFIC_PATTERN))
    if not is_scientific.any():
        return values
    expanded = values.to_pylist()
    for index in np.flatnonzero(is_scientific):
        expanded[index] = format(Decimal(expanded[index]), "f")
    return pa.array(expanded, type=values.type)


def counts(values: pa.Array, header: str) -> Converted:
    """A required non-negative whole number; a negative one gets its own code."""
    empty = is_empty(values)
    is_valid = _mask(pc.match_substring_regex(values, COUNT_PATTERN))
    is_negative = _mask(pc.match_substring_regex(values, NEGATIVE_PATTERN))
    typed = _where(values, is_valid, lambda present: pc.cast(present, pa.int64()))
    whole = ColumnProblem(
        header, INVALID_QUANTITY, "is not a whole number", ~empty & ~is_valid & ~is_negative
    )
    problems = [ColumnProblem(header, NEGATIVE_COUNT, "is negative", is_negative), whole]
    return Converted(typed, _with_missing(problems, header, empty, is_required=True))


def percentages(values: pa.Array, header: str) -> Converted:
    """An optional whole percentage from 0 to 100; empty stays null."""
    empty = is_empty(values)
    shaped = _mask(pc.match_substring_regex(values, PERCENT_PATTERN))
    number = _where(values, shaped, lambda present: pc.cast(present, pa.int32()))
    at_most_100 = _mask(pc.less_equal(number, 100))
    reason = "is not a whole percentage from 0 to 100"
    problem = ColumnProblem(header, INVALID_PERCENTAGE, reason, ~empty & ~at_most_100)
    return Converted(with_nulls(number, ~at_most_100), [problem])


def _with_missing(
    problems: list[ColumnProblem], header: str, empty: np.ndarray, *, is_required: bool
) -> list[ColumnProblem]:
    if not is_required:
        return problems
    return [ColumnProblem(header, MISSING_VALUE, "is empty", empty), *problems]


def _where(
    values: pa.Array, is_valid: np.ndarray, convert: Callable[[pa.Array], pa.Array]
) -> pa.Array:
    """`convert` applied to the valid rows only; every other row is null."""
    if is_valid.all():
        return convert(values)
    present = convert(values.filter(pa.array(is_valid)))
    positions = np.cumsum(is_valid) - 1
    return present.take(pa.array(positions, mask=~is_valid))


def _leading_digits(values: pa.Array, width: int) -> np.ndarray:
    """The first `width` bytes of every value as numbers (0..9 for digits), read from the buffers.

    Meaningful only where the value matched its pattern; other rows read neighbouring bytes,
    which the pattern mask then discards.
    """
    rows = len(values)
    data_buffer = values.buffers()[2]
    if rows == 0 or data_buffer is None or data_buffer.size == 0:
        return np.zeros((rows, width), dtype=np.int64)
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=offset_type)
    starts = offsets[values.offset : values.offset + rows].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    positions = np.minimum(starts[:, None] + np.arange(width), data.size - 1)
    digits: np.ndarray = data[positions].astype(np.int64) - _ASCII_ZERO
    return digits


def _number(digits: np.ndarray, start: int, stop: int) -> np.ndarray:
    result = np.zeros(len(digits), dtype=np.int64)
    for position in range(start, stop):
        result = result * 10 + digits[:, position]
    return result


def _mask(flags: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(flags, False).to_numpy(zero_copy_only=False), dtype=bool)

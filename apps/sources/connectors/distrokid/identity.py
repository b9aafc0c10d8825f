"""Statement-line identity (SPEC 3.5): a fingerprint of the business fields, and an occurrence.

Recipe, version 1 (changing it re-keys every stored line, so it never changes silently):
    sha256( "\\x1f".join(fields).encode("utf-8") ).hexdigest()
with fields, each trimmed of surrounding whitespace and "" when null, in this order:
    reporting date `YYYY-MM-DD`, sale month `YYYY-MM`, store casefolded, artist, title, ISRC, UPC,
    country, quantity as a plain integer, earnings rounded half-to-even to 8 places and written
    with exactly 8 decimals (`-0.00120000`; zero never carries a sign), team percentage as a
    plain integer, source type casefolded.
Date Inserted, recoup, the withheld amount and the layout are left out, so one line exported under
the legacy and the current layout gets one fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIELD_SEPARATOR = "\x1f"
FINGERPRINT_PLACES = 8
DIGEST_BYTES = 32

# Two hex characters per byte value as one uint16 (in memory order), so digests become text
# with one numpy gather instead of a Python call per row.
_HEX_PAIRS = np.frombuffer(
    b"".join(f"{value:02x}".encode("ascii") for value in range(256)), dtype=np.uint16
)


def casefolded(values: pa.Array) -> pa.Array:
    """Unicode casefold through the dictionary: a few dozen distinct stores, a million rows."""
    encoded = pc.dictionary_encode(values)
    folded = pa.array([value.casefold() for value in encoded.dictionary.to_pylist()], pa.string())
    return pa.DictionaryArray.from_arrays(encoded.indices, folded).cast(pa.string())


def scaled_integers(values: pa.Array, places: int) -> np.ndarray:
    """Decimals rounded half-to-even to `places`, as int64 multiples of 10**-places."""
    rounded = pc.round(values, ndigits=places, round_mode="half_to_even")
    exact = rounded.cast(pa.decimal128(values.type.precision, places))
    # decimal128 is a little-endian 128-bit integer; the amount bounds keep it within int64.
    words = np.frombuffer(exact.buffers()[1], dtype="<i8", count=2 * (exact.offset + len(exact)))
    pairs = words[2 * exact.offset :].reshape(-1, 2)
    low, high = pairs[:, 0], pairs[:, 1]
    if not np.array_equal(high, low >> 63):
        # Unreachable for parsed amounts: columns.AMOUNT_PATTERN allows at most 10 digits.
        raise ValueError("amount too large for the fingerprint")
    return low.copy()


def fixed_decimals(units: np.ndarray, places: int) -> pa.Array:
    """Integers of 10**-places written as `-12.34500000`: always `places` decimals, no exponent."""
    magnitude = np.abs(units)
    whole = pa.array(magnitude // 10**places).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(magnitude % 10**places).cast(pa.string()), places, "0")
    sign = pc.if_else(pa.array(units < 0), "-", "")
    return pc.binary_join_element_wise(sign, whole, ".", fraction, "")


def _text(values: pa.Array) -> pa.Array:
    return pc.fill_null(pc.utf8_trim_whitespace(values), "")


def _date_text(values: pa.Array) -> pa.Array:
    return values.cast(pa.string())


def _month_text(values: pa.Array) -> pa.Array:
    return pc.utf8_slice_codeunits(values.cast(pa.string()), 0, 7)


def _folded_text(values: pa.Array) -> pa.Array:
    return casefolded(_text(values))


def _integer_text(values: pa.Array) -> pa.Array:
    return values.cast(pa.string())


def _amount_text(values: pa.Array) -> pa.Array:
    return fixed_decimals(scaled_integers(values, FINGERPRINT_PLACES), FINGERPRINT_PLACES)


def _optional_integer_text(values: pa.Array) -> pa.Array:
    return pc.fill_null(values.cast(pa.string()), "")


# The recipe's fields in order: the `statement_lines` column each comes from and how it is
# written. Every function works value by value, so a caller may apply it to the distinct values
# of a column and spread the result over the rows afterwards.
FIELDS: tuple[tuple[str, Callable[[pa.Array], pa.Array]], ...] = (
    ("reporting_date", _date_text),
    ("sale_month", _month_text),
    ("store", _folded_text),
    ("artist_name", _text),
    ("title", _text),
    ("isrc", _text),
    ("upc", _text),
    ("country_code", _text),
    ("quantity", _integer_text),
    ("earnings_usd", _amount_text),
    ("team_percentage", _optional_integer_text),
    ("source_type", _folded_text),
)


def identity_text(
    *,
    reporting_date: pa.Array,
    sale_month: pa.Array,
    store: pa.Array,
    artist: pa.Array,
    title: pa.Array,
    isrc: pa.Array,
    upc: pa.Array,
    country: pa.Array,
    quantity: pa.Array,
    earnings: pa.Array,
    team_percentage: pa.Array,
    source_type: pa.Array,
) -> pa.Array:
    """The normalised business fields of each line joined into one string (see module doc)."""
    values = (
        reporting_date,
        sale_month,
        store,
        artist,
        title,
        isrc,
        upc,
        country,
        quantity,
        earnings,
        team_percentage,
        source_type,
    )
    return joined(
        [normalise(column) for (_, normalise), column in zip(FIELDS, values, strict=True)]
    )


def joined(fields: list[pa.Array]) -> pa.Array:
    """Normalised fields (one string array per entry of FIELDS) joined into each line's text."""
    return pc.binary_join_element_wise(*fields, FIELD_SEPARATOR)


def digests(texts: pa.Array) -> bytes:
    """sha256 of each string, concatenated (32 bytes a row): one C call per row, no pandas."""
    sha256 = hashlib.sha256
    return b"".join([sha256(text).digest() for text in texts.cast(pa.binary()).to_pylist()])


def hex_digests(packed: bytes) -> pa.Array:
    """Concatenated digests as a string array of 64-character lowercase hex, built in numpy."""
    rows = len(packed) // DIGEST_BYTES
    width = 2 * DIGEST_BYTES
    text = _HEX_PAIRS[np.frombuffer(packed, dtype=np.uint8)]
    # The array points at numpy's memory (no copy); int32 offsets hold up to 33 million rows.
    is_large = width * rows >= 2**31
    offsets = np.arange(0, width * (rows + 1), width, dtype=np.int64 if is_large else np.int32)
    hex_type = pa.large_string() if is_large else pa.string()
    array = pa.Array.from_buffers(hex_type, rows, [None, pa.py_buffer(offsets), pa.py_buffer(text)])
    return array.cast(pa.string()) if is_large else array


def occurrences(packed: bytes) -> np.ndarray:
    """1..k over identical digests, earliest row first; the set of keys ignores row order."""
    rows = len(packed) // DIGEST_BYTES
    if rows == 0:
        return np.zeros(0, dtype=np.int32)
    # Sorting on the first 8 bytes is several times faster than on all 32; the full digests
    # are compared afterwards, and a shared prefix with different digests falls back to them.
    full = np.frombuffer(packed, dtype=f"S{DIGEST_BYTES}")
    prefix = np.frombuffer(packed, dtype=">u8").reshape(rows, DIGEST_BYTES // 8)[:, 0]
    order = np.argsort(prefix, kind="stable")
    same_digest = _same_as_previous(full[order])
    if not np.array_equal(_same_as_previous(prefix[order]), same_digest):
        order = np.argsort(full, kind="stable")
        same_digest = _same_as_previous(full[order])
    position = np.arange(rows)
    starts_group = np.concatenate([[True], ~same_digest])
    group_start = np.maximum.accumulate(np.where(starts_group, position, 0))
    result = np.empty(rows, dtype=np.int32)
    result[order] = position - group_start + 1
    return result


def _same_as_previous(ordered: np.ndarray) -> np.ndarray:
    same: np.ndarray = ordered[1:] == ordered[:-1]
    return same

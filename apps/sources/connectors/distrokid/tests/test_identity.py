"""The statement-line fingerprint recipe and occurrence numbering, against a plain reference."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from apps.sources.connectors.distrokid import identity
from apps.sources.connectors.distrokid.parse import parse_statement
from apps.sources.connectors.distrokid.tests.helpers import (
    CURRENT_HEADER,
    current_fields,
    quoted_line,
    reference_fingerprint,
)

WriteStatement = Callable[..., Path]


def _fingerprints(path: Path) -> list[str]:
    table = parse_statement(path).tables["statement_lines"]
    fingerprints: list[str] = table.column("line_fingerprint").to_pylist()
    return fingerprints


def test_fingerprint_matches_the_reference_recipe(statement_path: WriteStatement) -> None:
    # given lines covering rounding ties, negatives, padding, case and an empty team share
    cases = [
        current_fields(earnings="0.003500005000"),  # tie: rounds to even (down)
        current_fields(earnings="0.003500015000"),  # tie: rounds to even (up)
        current_fields(earnings="-0.000000004999", quantity="0012"),  # rounds to zero
        current_fields(store="AMAZON PRIME (STREAMING)", source_type="SONG", team=""),
        current_fields(title="  Café Nocturne ", isrc="", upc="0196006218743"),
    ]
    path = statement_path(
        ("\n".join([CURRENT_HEADER, *map(quoted_line, cases)]) + "\n").encode("utf-8")
    )

    # when they are parsed
    found = _fingerprints(path)

    # then each fingerprint is the reference recipe's
    expected = [
        reference_fingerprint(
            reporting_date=f[1],
            sale_month=f[2],
            store=f[3],
            artist=f[4],
            title=f[5],
            isrc=f[6],
            upc=f[7],
            country=f[11],
            quantity=f[8],
            earnings=f[13],
            team_percentage=f[9],
            source_type=f[10],
        )
        for f in cases
    ]
    assert found == expected


def test_fingerprint_of_a_line_is_this_exact_digest(statement_path: WriteStatement) -> None:
    # given one current line
    path = statement_path(f"{CURRENT_HEADER}\n{quoted_line(current_fields())}\n".encode())

    # when it is parsed
    found = _fingerprints(path)

    # then the digest is sha256 over these exact normalised fields
    text = "\x1f".join(
        [
            "2025-11-03",
            "2025-09",
            "spotify",
            "PIG1987",
            "Trough",
            "QZPG82412211",
            "197368412209",
            "US",
            "44",
            "0.10560000",
            "100",
            "song",
        ]
    )
    assert found == [hashlib.sha256(text.encode("utf-8")).hexdigest()]


def test_fingerprint_ignores_date_inserted_recoup_withheld_format_and_store_case(
    statement_path: WriteStatement,
) -> None:
    # given the same business line with different excluded fields and store case
    lines = [
        current_fields(store="Amazon Prime (Streaming)"),
        current_fields(
            store="amazon prime (streaming)",
            date_inserted="2025-12-01",
            recoup="0.5",
            withheld="0",
            earnings="0.1056",
        ),
    ]
    path = statement_path(("\n".join([CURRENT_HEADER, *map(quoted_line, lines)]) + "\n").encode())

    # when it is parsed
    table = parse_statement(path).tables["statement_lines"]

    # then both are one line, numbered 1 and 2
    fingerprints = table.column("line_fingerprint").to_pylist()
    assert fingerprints[0] == fingerprints[1]
    assert table.column("occurrence").to_pylist() == [1, 2]


def test_occurrences_are_independent_of_row_order() -> None:
    # given digests with repeats, and the same digests in another order
    a, b, c = (hashlib.sha256(text).digest() for text in (b"a", b"b", b"c"))
    rows = [a, b, a, c, a, b]
    shuffled = [b, a, c, b, a, a]

    # when occurrences are numbered
    first = identity.occurrences(b"".join(rows)).tolist()
    second = identity.occurrences(b"".join(shuffled)).tolist()

    # then each file numbers its repeats 1..k in order, and the key sets are equal
    assert first == [1, 1, 2, 1, 3, 2]
    assert second == [1, 1, 1, 2, 2, 3]
    assert sorted(zip(rows, first, strict=True)) == sorted(zip(shuffled, second, strict=True))


def test_occurrences_fall_back_when_digests_share_a_prefix() -> None:
    # given two different digests with the same first 8 bytes, interleaved
    first = b"\x01" * 8 + b"\x02" * 24
    second = b"\x01" * 8 + b"\x03" * 24

    # when occurrences are numbered
    found = identity.occurrences(first + second + first + second).tolist()

    # then the full digest decides, not the prefix
    assert found == [1, 1, 2, 2]


def test_hex_digests_match_hashlib() -> None:
    # given three digests
    texts = [b"x", "Café".encode(), b""]
    packed = b"".join(hashlib.sha256(text).digest() for text in texts)

    # when they are turned into text
    found = identity.hex_digests(packed)

    # then each is hashlib's hexdigest, as a plain string array
    assert found.type == pa.string()
    assert found.to_pylist() == [hashlib.sha256(text).hexdigest() for text in texts]


def test_fixed_decimals_writes_exact_places() -> None:
    # given integers of 10**-8
    units = np.array([350000, -120000, 0, 123456789012, -1], dtype=np.int64)

    # when they are written
    found = identity.fixed_decimals(units, 8).to_pylist()

    # then every value has 8 decimals and no exponent
    assert found == ["0.00350000", "-0.00120000", "0.00000000", "1234.56789012", "-0.00000001"]

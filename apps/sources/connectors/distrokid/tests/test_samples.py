"""The sample generator: deterministic, in the vendor's layouts, realistic, and parseable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from statistics import median

import pytest

from apps.sources.connectors.distrokid.parse import parse_statement
from apps.sources.connectors.distrokid.samples import (
    STORES,
    demo_statement_files,
    statement_bytes,
    write_statement,
)
from apps.sources.connectors.distrokid.tests.helpers import CURRENT_HEADER, LEGACY_HEADER

WriteStatement = Callable[..., Path]


def test_statement_bytes_is_deterministic() -> None:
    # given the same arguments twice, and another seed
    first = statement_bytes(schema_id="dk_current_15", lines=500, seed=7)
    again = statement_bytes(schema_id="dk_current_15", lines=500, seed=7)
    other = statement_bytes(schema_id="dk_current_15", lines=500, seed=8)

    # when they are compared; then equal arguments give equal bytes
    assert first == again
    assert first != other


def test_statement_bytes_writes_each_layout_as_the_vendor_does() -> None:
    # given one small file per layout
    legacy = statement_bytes(schema_id="dk_legacy_13", lines=3, seed=1, line_ending="CR")
    current = statement_bytes(schema_id="dk_current_15", lines=3, seed=1, line_ending="CRLF")
    mixed = statement_bytes(schema_id="dk_mixed_15", lines=3, seed=1)

    # when their first line and endings are read
    # then legacy is TAB and CR-only with a trailing CR, current quoted-comma, mixed Song/Album
    assert legacy.startswith(LEGACY_HEADER.encode() + b"\r")
    assert legacy.endswith(b"\r")
    assert b"\n" not in legacy
    assert legacy.count(b"\r") == 4
    assert current.startswith(CURRENT_HEADER.encode() + b"\r\n")
    assert current.count(b"\r\n") == 4
    assert mixed.startswith(CURRENT_HEADER.replace("Source Type", "Song/Album").encode() + b"\n")


def test_statement_bytes_legacy_is_latin1_with_a_bare_quote() -> None:
    # given a legacy file large enough to hold every catalog title
    content = statement_bytes(schema_id="dk_legacy_13", lines=4000, seed=3)

    # when its bytes are searched
    # then titles are Latin-1 (é is one byte) and the quote is bare
    assert "Café Nocturne".encode("latin-1") in content
    assert b'\tNight Drive (12" Mix)\t' in content
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")


def test_statement_bytes_parses_without_rejections_in_every_layout(
    statement_path: WriteStatement,
) -> None:
    # given 2000 lines in each layout and line ending
    results = []
    for schema_id, ending in (
        ("dk_legacy_13", "CR"),
        ("dk_current_15", "CR"),
        ("dk_mixed_15", "LF"),
    ):
        path = statement_path(
            statement_bytes(schema_id=schema_id, lines=2000, seed=11, line_ending=ending)
        )

        # when each is parsed
        parsed = parse_statement(path)
        results.append((parsed.schema_id, parsed.rows_in, parsed.rows_out, parsed.line_ending))

    # then every line loads
    assert results == [
        ("dk_legacy_13", 2000, 2000, "CR"),
        ("dk_current_15", 2000, 2000, "CR"),
        ("dk_mixed_15", 2000, 2000, "LF"),
    ]


def test_statement_bytes_same_seed_gives_same_lines_in_legacy_and_current(
    statement_path: WriteStatement,
) -> None:
    # given the same seed in the legacy and the current layout
    legacy = parse_statement(
        statement_path(
            statement_bytes(schema_id="dk_legacy_13", lines=3000, seed=5, line_ending="CR")
        )
    ).tables["statement_lines"]
    current = parse_statement(
        statement_path(statement_bytes(schema_id="dk_current_15", lines=3000, seed=5))
    ).tables["statement_lines"]

    # when identities and amounts are compared
    legacy_amounts = legacy.column("earnings_usd").to_pylist()
    current_amounts = current.column("earnings_usd").to_pylist()

    # then the fingerprints agree line by line, and legacy amounts are the 8-place roundings
    assert legacy.column("line_fingerprint").equals(current.column("line_fingerprint"))
    assert legacy.column("occurrence").equals(current.column("occurrence"))
    assert legacy.column("title").equals(current.column("title"))
    assert all(
        old == new.quantize(Decimal("1E-8"))
        for old, new in zip(legacy_amounts, current_amounts, strict=True)
    )
    assert any(old != new for old, new in zip(legacy_amounts, current_amounts, strict=True))


def test_statement_bytes_is_realistic(statement_path: WriteStatement) -> None:
    # given 20,000 current lines
    path = statement_path(
        statement_bytes(schema_id="dk_current_15", lines=20_000, seed=2, months=12)
    )
    rows = parse_statement(path).tables["statement_lines"].to_pylist()

    # when their shapes are measured
    small_share = sum(r["quantity"] < 100 for r in rows) / len(rows)
    negative = [r for r in rows if r["earnings_usd"] < 0]
    outside_us = {r["country_code"] for r in rows if r["store"] in ("Facebook", "Instagram")}
    small_stores = {s.name for s in STORES if s.is_small}
    lags = {
        (r["store"] in small_stores, _months(r["sale_month"], r["reporting_date"])) for r in rows
    }
    upcs = {r["upc"] for r in rows}

    # then they look like DistroKid statements
    assert 0.87 < small_share < 0.91
    assert negative
    assert {r["store"] for r in negative} == {"Spotify"}
    assert all(r["quantity"] > 0 for r in negative)
    assert outside_us == {"OU"}
    assert {lag for is_small, lag in lags if not is_small} == {1, 2}
    assert {lag for is_small, lag in lags if is_small} == {1, 2, 3, 4, 5, 6, 7}
    assert {len(upc) for upc in upcs} == {12, 13}
    assert any(upc.startswith("0") for upc in upcs)
    assert all(len(r["isrc"]) == 12 and r["isrc"].startswith("QZ") for r in rows if r["isrc"])
    assert any(not r["title"].isascii() for r in rows)
    assert sum(r["occurrence"] > 1 for r in rows) > 0
    # and each big store's median per-unit rate is within 10 % of its configured rate
    for store in ("Spotify", "Apple Music", "TikTok", "Facebook", "Tidal"):
        rate = next(s.rate_usd for s in STORES if s.name == store)
        unit = median(
            float(r["earnings_usd"]) / r["quantity"]
            for r in rows
            if r["store"] == store and r["earnings_usd"] > 0
        )
        assert abs(unit - rate) / rate < 0.1, store


def test_statement_bytes_reversed_is_the_same_lines_backwards() -> None:
    # given a file and its reversed twin (more lines than one chunk)
    forward = statement_bytes(schema_id="dk_current_15", lines=60_001, seed=4).split(b"\n")
    backward = statement_bytes(schema_id="dk_current_15", lines=60_001, seed=4, is_reversed=True)

    # when the lines are compared
    lines = backward.split(b"\n")

    # then the header stays first and the data lines run in the opposite order
    assert lines[0] == forward[0]
    assert lines[1:-1] == forward[1:-1][::-1]


def test_write_statement_writes_the_same_bytes(tmp_path: Path) -> None:
    # given a path
    path = tmp_path / "DistroKid_42.tsv"

    # when a statement is written there
    written = write_statement(path, schema_id="dk_mixed_15", lines=1234, seed=9, line_ending="CR")

    # then the file holds exactly what statement_bytes returns, and no temp file is left
    assert written == path
    assert path.read_bytes() == statement_bytes(
        schema_id="dk_mixed_15", lines=1234, seed=9, line_ending="CR"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DistroKid_42.tsv"]


def test_demo_statement_files_cover_every_quirk(statement_path: WriteStatement) -> None:
    # given the demo's DistroKid files for a visit on 2026-11-26
    files = demo_statement_files(today=date(2026, 11, 26))

    # when each is parsed
    parsed = {
        name: parse_statement(statement_path(content, name)) for name, content in files.items()
    }

    # then there is one per layout, with CR-only, CRLF, Latin-1 and no rejection
    facts = {
        name: (p.schema_id, p.encoding, p.line_ending, p.rows_in, len(p.rejections))
        for name, p in parsed.items()
    }
    assert facts == {
        "DistroKid_1719878400.tsv": ("dk_legacy_13", "cp1252", "CR", 3000, 0),
        "DistroKid_1752537600.tsv": ("dk_mixed_15", "utf-8", "CRLF", 400, 0),
        "DistroKid_1767225600.tsv": ("dk_current_15", "utf-8", "CR", 2000, 0),
    }
    # and the three files follow each other, the newest reported in the month before the visit
    reported = {
        name: (min(dates), max(dates))
        for name, p in parsed.items()
        for dates in [p.tables["statement_lines"].column("reporting_date").to_pylist()]
    }
    legacy, mixed, current = (reported[name] for name in sorted(reported))
    # current: June-October 2026; mixed: May 2026; legacy: the 18 months before, from Nov 2024
    assert date(2024, 11, 1) <= legacy[0]
    assert legacy[1] < date(2026, 5, 1)
    assert date(2026, 5, 1) <= mixed[0] <= mixed[1] < date(2026, 6, 1) <= current[0]
    assert current[1] < date(2026, 11, 1)


def test_statement_spec_refuses_unknown_options() -> None:
    # given an unknown layout and an unknown line ending
    # when files are requested; then the mistake is named
    with pytest.raises(ValueError, match="unknown schema 'dk_future_20'"):
        statement_bytes(schema_id="dk_future_20", lines=1)
    with pytest.raises(ValueError, match="line_ending must be one of"):
        statement_bytes(schema_id="dk_current_15", lines=1, line_ending="NEL")


def _months(sale_month: date, reporting_date: date) -> int:
    return (reporting_date.year - sale_month.year) * 12 + reporting_date.month - sale_month.month

"""parse_statement on each layout and quirk: exact typed values, lineage facts, line numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from apps.sources.connectors.distrokid.parse import parse_statement
from apps.sources.connectors.distrokid.tests.helpers import (
    CURRENT_HEADER,
    LEGACY_HEADER,
    current_fields,
    quoted_line,
    reference_fingerprint,
)
from apps.sources.datasets import STATEMENT_LINES

PathOf = Callable[[str], Path]
WriteStatement = Callable[..., Path]


def _rows(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = parse_statement(path).tables["statement_lines"].to_pylist()
    return rows


def test_parse_statement_reads_legacy_latin1_cr_only_file(fixture_path: PathOf) -> None:
    # given a legacy TAB export in Latin-1 with CR-only line endings and a trailing CR
    path = fixture_path("statement_legacy_cr_only_latin1.tsv")

    # when it is parsed
    parsed = parse_statement(path)

    # then the lineage facts name the layout, the encoding that worked and the dialect
    assert (parsed.kind, parsed.schema_id, parsed.rows_in, parsed.rows_out) == (
        "bank_statement",
        "dk_legacy_13",
        5,
        5,
    )
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("cp1252", "\t", "CR")
    assert parsed.rejections == []
    assert parsed.warnings == []
    # and the first line is typed exactly, its Latin-1 title decoded
    assert _rows(path)[0] == {
        "distributor": "distrokid",
        "line_fingerprint": reference_fingerprint(
            reporting_date="2025-03-04",
            sale_month="2025-01",
            store="Spotify",
            artist="ZONE A0",
            title="Café Nocturne",
            isrc="QZHN52318743",
            upc="0196006218743",
            country="US",
            quantity="37",
            earnings="0.08880000",
            team_percentage="100",
            source_type="Song",
        ),
        "occurrence": 1,
        "schema_id": "dk_legacy_13",
        "date_inserted": None,
        "reporting_date": date(2025, 3, 4),
        "accounting_date": None,
        "sale_month": date(2025, 1, 1),
        "store": "Spotify",
        "artist_name": "ZONE A0",
        "title": "Café Nocturne",
        "isrc": "QZHN52318743",
        "upc": "0196006218743",
        "quantity": 37,
        "team_percentage": 100,
        "source_type": "Song",
        "country_code": "US",
        "songwriter_withheld_usd": Decimal("0E-12"),
        "earnings_usd": Decimal("0.088800000000"),
        "recoup_usd": None,
        "original_currency": None,
        "line_number": 2,
    }


def test_parse_statement_keeps_bare_quote_ou_and_negative_legacy_lines(
    fixture_path: PathOf,
) -> None:
    # given the legacy fixture: a bare `"` in a title, a Facebook `OU` line, a negative line
    rows = _rows(fixture_path("statement_legacy_cr_only_latin1.tsv"))

    # when the interesting columns are read
    picked = [
        (
            r["line_number"],
            r["store"],
            r["title"],
            r["country_code"],
            r["quantity"],
            str(r["earnings_usd"]),
            r["team_percentage"],
        )
        for r in rows
    ]

    # then the quote is literal, OU is kept, the adjustment stays negative with its quantity
    assert picked == [
        (2, "Spotify", "Café Nocturne", "US", 37, "0.088800000000", 100),
        (3, "Spotify", 'Night Drive (12" Mix)', "GB", 12, "0.026400000000", 100),
        (4, "Facebook", "Señorita Lag", "OU", 4120, "0.288400000000", 100),
        (5, "Spotify", "Über Quiet", "SE", 3, "-0.007200000000", 100),
        (6, "Tidal", "Halo, Inverted", "NO", 9, "0.089100000000", 50),
    ]


def test_parse_statement_reads_current_quoted_comma_tsv(fixture_path: PathOf) -> None:
    # given a current export: comma, every field quoted, UTF-8, CR-only, named .tsv
    path = fixture_path("statement_current_quoted.tsv")

    # when it is parsed
    parsed = parse_statement(path)
    first = parsed.tables["statement_lines"].to_pylist()[0]

    # then it is the current layout and keeps the 12-decimal amount exactly
    assert (parsed.schema_id, parsed.encoding, parsed.delimiter, parsed.line_ending) == (
        "dk_current_15",
        "utf-8",
        ",",
        "CR",
    )
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections) == (5, 5, [])
    assert {key: first[key] for key in ("date_inserted", "reporting_date", "sale_month")} == {
        "date_inserted": date(2025, 3, 5),
        "reporting_date": date(2025, 3, 4),
        "sale_month": date(2025, 1, 1),
    }
    assert str(first["earnings_usd"]) == "0.088800004211"
    assert str(first["songwriter_withheld_usd"]) == "0E-12"
    assert first["recoup_usd"] is None


def test_parse_statement_gives_legacy_and_current_exports_of_a_line_one_fingerprint(
    fixture_path: PathOf,
) -> None:
    # given the same five business lines exported under the legacy and the current layout
    legacy = _rows(fixture_path("statement_legacy_cr_only_latin1.tsv"))
    current = _rows(fixture_path("statement_current_quoted.tsv"))

    # when their identities and texts are compared
    def identity(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            (r["line_fingerprint"], r["occurrence"], r["title"], r["artist_name"]) for r in rows
        ]

    # then every line has the same fingerprint, and Latin-1 and UTF-8 titles are equal strings
    assert identity(legacy) == identity(current)
    assert len({r["line_fingerprint"] for r in legacy}) == 5
    # although the amounts differ in precision (8 places in legacy, up to 12 in current)
    assert [str(r["earnings_usd"]) for r in current][:3] == [
        "0.088800004211",
        "0.026399999999",
        "0.288400003125",
    ]


def test_parse_statement_reads_mixed_layout_with_album_line(fixture_path: PathOf) -> None:
    # given the 15-column layout whose type column is still called Song/Album
    parsed = parse_statement(fixture_path("statement_mixed_song_album.tsv"))
    rows = parsed.tables["statement_lines"].to_pylist()

    # when the type, ids and amounts are read
    picked = [
        (
            r["source_type"],
            r["title"],
            r["isrc"],
            r["upc"],
            r["country_code"],
            str(r["earnings_usd"]),
        )
        for r in rows
    ]

    # then the album line has no ISRC, the UPC keeps its leading zero, OU stays
    assert (parsed.schema_id, parsed.line_ending, parsed.rows_in) == ("dk_mixed_15", "LF", 3)
    assert picked == [
        ("Album", "GRISTLE", None, "0199412033381", "DE", "6.930000000000"),
        ("Song", "Crème Brûlée Breakdown", "QZMW62433383", "0199412033381", "US", "0.342200000000"),
        ("Song", "Café Nocturne", "QZHN52318743", "0196006218743", "OU", "1.066100000000"),
    ]


def test_parse_statement_keeps_negative_adjustments_unchanged(fixture_path: PathOf) -> None:
    # given Spotify adjustment lines: positive quantity, negative earnings (CRLF file)
    parsed = parse_statement(fixture_path("statement_negative_adjustment.tsv"))

    # when the amounts are read
    rows = parsed.tables["statement_lines"].to_pylist()

    # then both signs survive exactly, and nothing is rejected
    assert parsed.line_ending == "CRLF"
    assert [(r["quantity"], str(r["earnings_usd"])) for r in rows] == [
        (214, "0.513600000000"),
        (18, "-0.043200000000"),
        (6, "-0.006480000000"),
    ]
    assert parsed.rejections == []


def test_parse_statement_numbers_genuinely_repeated_lines(fixture_path: PathOf) -> None:
    # given a line three times (once with another Date Inserted and a zero recoup) and another
    rows = _rows(fixture_path("statement_repeated_lines.tsv"))

    # when fingerprints and occurrences are read
    keys = [(r["line_number"], r["store"], r["occurrence"]) for r in rows]

    # then the repeats share a fingerprint and are numbered 1..3 in file order
    assert keys == [
        (2, "YouTube (Red)", 1),
        (3, "YouTube (Red)", 2),
        (4, "Deezer", 1),
        (5, "YouTube (Red)", 3),
    ]
    assert rows[0]["line_fingerprint"] == rows[1]["line_fingerprint"] == rows[3]["line_fingerprint"]
    assert rows[0]["line_fingerprint"] != rows[2]["line_fingerprint"]
    assert str(rows[3]["recoup_usd"]) == "0E-12"


def test_parse_statement_outputs_exactly_the_dataset_schema(fixture_path: PathOf) -> None:
    # given any statement
    parsed = parse_statement(fixture_path("statement_mixed_song_album.tsv"))

    # when its table is inspected
    table = parsed.tables["statement_lines"]

    # then it has exactly the curated schema and one table
    assert list(parsed.tables) == ["statement_lines"]
    assert table.schema.equals(STATEMENT_LINES.schema)


def test_parse_statement_reads_the_same_lines_with_any_line_ending(
    statement_path: WriteStatement,
) -> None:
    # given one current file written with CR, LF and CRLF
    lines = [CURRENT_HEADER, quoted_line(current_fields()), quoted_line(current_fields())]
    tables = {}
    for name, ending in (("CR", "\r"), ("LF", "\n"), ("CRLF", "\r\n")):
        parsed = parse_statement(statement_path((ending.join(lines) + ending).encode()))
        tables[name] = (parsed.line_ending, parsed.tables["statement_lines"])

    # when the tables are compared
    endings = [ending for ending, _ in tables.values()]

    # then only the recorded line ending differs
    assert endings == ["CR", "LF", "CRLF"]
    assert tables["CR"][1].equals(tables["LF"][1])
    assert tables["LF"][1].equals(tables["CRLF"][1])


def test_parse_statement_reads_header_only_file_as_no_rows(
    statement_path: WriteStatement,
) -> None:
    # given a header with a line ending, and one without
    with_ending = parse_statement(statement_path(f"{CURRENT_HEADER}\r".encode()))
    without_ending = parse_statement(statement_path(LEGACY_HEADER.encode()))

    # when their results are read
    results = [
        (p.schema_id, p.rows_in, p.tables["statement_lines"].num_rows, p.line_ending)
        for p in (with_ending, without_ending)
    ]

    # then both are valid, empty statements with the full schema
    assert results == [("dk_current_15", 0, 0, "CR"), ("dk_legacy_13", 0, 0, "")]
    assert with_ending.tables["statement_lines"].schema.equals(STATEMENT_LINES.schema)


def test_parse_statement_does_not_count_trailing_blank_lines(
    statement_path: WriteStatement,
) -> None:
    # given two lines followed by blank lines
    body = "\n".join([CURRENT_HEADER, quoted_line(current_fields()), quoted_line(current_fields())])
    path = statement_path((body + "\n\n\n  \n").encode())

    # when it is parsed
    parsed = parse_statement(path)

    # then the blank lines are neither rows nor rejections nor a warning
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections, parsed.warnings) == (2, 2, [], [])


def test_parse_statement_records_utf8_bom_and_tolerates_header_variants(
    statement_path: WriteStatement,
) -> None:
    # given a BOM, header cells in other case, with trailing spaces and an NBSP
    header = CURRENT_HEADER.replace('"Store"', '"store "').replace(
        '"Sale Month"', '"Sale\u00a0Month"'
    )
    content = "\ufeff" + header + "\n" + quoted_line(current_fields()) + "\n"
    path = statement_path(content.encode("utf-8"))

    # when it is parsed
    parsed = parse_statement(path)

    # then the header is the current layout and the BOM is recorded in the encoding
    assert (parsed.schema_id, parsed.encoding, parsed.rows_out) == ("dk_current_15", "utf-8-sig", 1)
    assert parsed.tables["statement_lines"].column("store").to_pylist() == ["Spotify"]


def test_parse_statement_accepts_a_new_column_with_a_warning(
    statement_path: WriteStatement,
) -> None:
    # given a current file with one extra column at the end
    header = CURRENT_HEADER + ',"Payout Batch"'
    line = quoted_line([*current_fields(), "B-17"])
    path = statement_path(f"{header}\n{line}\n".encode())

    # when it is parsed
    parsed = parse_statement(path)

    # then the row loads and the lineage notes the schema change
    assert (parsed.schema_id, parsed.rows_out) == ("dk_current_15", 1)
    assert parsed.warnings == ["schema_changed schema=dk_current_15 new_columns='Payout Batch'"]
    assert parsed.unknown_columns == ["Payout Batch"]


def test_parse_statement_trims_values_and_keeps_twelve_decimals(
    statement_path: WriteStatement,
) -> None:
    # given padded values and the smallest current amount
    fields = current_fields(store=" Spotify ", quantity=" 007 ", earnings="0.000000000001", team="")
    path = statement_path(f"{CURRENT_HEADER}\n{quoted_line(fields)}\n".encode())

    # when it is parsed
    row = _rows(path)[0]

    # then values are trimmed, the count is an integer, the amount exact, no team share is null
    assert (row["store"], row["quantity"], str(row["earnings_usd"]), row["team_percentage"]) == (
        "Spotify",
        7,
        "1E-12",
        None,
    )


def test_parse_statement_warns_about_blank_lines_between_rows(fixture_path: PathOf) -> None:
    # given the bad-rows fixture, which has a blank line between two good rows
    parsed = parse_statement(fixture_path("statement_bad_rows.tsv"), max_rejected_fraction=1.0)

    # when the kept rows and warnings are read
    lines = parsed.tables["statement_lines"].column("line_number").to_pylist()

    # then physical line numbers skip the rejected and blank lines, and the blank is noted
    assert lines == [2, 12, 14]
    assert parsed.warnings == ["blank_lines_skipped count=1"]


def test_parse_statement_reads_a_legacy_file_without_quoting(
    statement_path: WriteStatement,
) -> None:
    # given a legacy line whose title starts with a quote and holds a comma
    fields = ["2025-01-06", "2024-11", "Deezer", "IWARY", '"Soft" Reset, Pt. 2', "QZIW22527758"]
    fields += ["198391027755", "2", "100", "Song", "FR", "0", "0.00560000"]
    path = statement_path(f"{LEGACY_HEADER}\n{chr(9).join(fields)}\n".encode("latin-1"))

    # when it is parsed
    row = _rows(path)[0]

    # then the quotes are characters of the title, not quoting
    assert (row["title"], str(row["earnings_usd"])) == ('"Soft" Reset, Pt. 2', "0.005600000000")


def test_parse_statement_falls_back_to_latin1_when_cp1252_cannot_decode(
    statement_path: WriteStatement,
) -> None:
    # given a legacy line with byte 0x8D, which cp1252 leaves undefined
    fields = ["2025-01-06", "2024-11", "Deezer", "IWARY", "Soft\x8dReset", "QZIW22527758"]
    fields += ["198391027755", "2", "100", "Song", "FR", "0", "0.00560000"]
    path = statement_path(f"{LEGACY_HEADER}\r{chr(9).join(fields)}\r".encode("latin-1"))

    # when it is parsed
    parsed = parse_statement(path)

    # then latin-1 is the encoding that worked
    assert parsed.encoding == "latin-1"
    assert parsed.tables["statement_lines"].column("title").to_pylist() == ["Soft\x8dReset"]


def test_parse_statement_expands_scientific_notation_earnings_exactly(
    statement_path: WriteStatement,
) -> None:
    # given current lines whose tiny earnings a float formatter wrote in scientific notation
    lines = [
        quoted_line(current_fields(earnings="1.5E-6")),
        quoted_line(current_fields(earnings="-2.25e-05", title="Other")),
        quoted_line(current_fields(earnings="1E-13", title="Too small")),
    ]
    path = statement_path(("\r".join([CURRENT_HEADER, *lines]) + "\r").encode())

    # when it is parsed
    parsed = parse_statement(path, max_rejected_fraction=1)

    # then the exact amounts are kept; one below the 12-decimal precision is still refused
    earnings = [str(r["earnings_usd"]) for r in parsed.tables["statement_lines"].to_pylist()]
    assert earnings == ["0.000001500000", "-0.000022500000"]
    assert [(e.row, e.column, e.code) for e in parsed.rejections] == [
        (4, "Earnings (USD)", "invalid_amount")
    ]


def test_parse_statement_reads_a_trailing_tab_as_no_new_column(
    statement_path: WriteStatement,
) -> None:
    # given a legacy export whose header and lines all end with a TAB (an empty last cell)
    line = "2024-03-05\t2024-01\tSpotify\tZONE A0\tCafe\tQZTB42400001\t1\t7\t100\tSong\tUS\t0\t0.35"
    path = statement_path(f"{LEGACY_HEADER}\t\r{line}\t\r".encode())

    # when it is parsed
    parsed = parse_statement(path)

    # then the line loads and no schema change is reported for the blank header cell
    assert (parsed.schema_id, parsed.rows_in, parsed.rows_out, parsed.warnings) == (
        "dk_legacy_13",
        1,
        1,
        [],
    )
    assert [str(r["earnings_usd"]) for r in _rows(path)] == ["0.350000000000"]

"""Row rejections (codes, lines, columns) and whole-file quarantine with its reasons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.distrokid.parse import parse_statement
from apps.sources.connectors.distrokid.tests.helpers import (
    CURRENT_HEADER,
    LEGACY_HEADER,
    current_fields,
    quoted_line,
)

PathOf = Callable[[str], Path]
WriteStatement = Callable[..., Path]


def _current_file(lines: list[list[str]]) -> bytes:
    return ("\n".join([CURRENT_HEADER, *map(quoted_line, lines)]) + "\n").encode()


def test_parse_statement_rejects_each_bad_row_with_line_column_and_code(
    fixture_path: PathOf,
) -> None:
    # given a file with one bad row per rejection code (and the share limit lifted)
    parsed = parse_statement(fixture_path("statement_bad_rows.tsv"), max_rejected_fraction=1.0)

    # when the rejections are listed
    found = [(error.row, error.column, error.code) for error in parsed.rejections]

    # then each names its physical line, its column and a stable code, in line order
    assert found == [
        (3, "Reporting Date", "invalid_date"),
        (4, "Earnings (USD)", "invalid_amount"),
        (5, "Quantity", "invalid_quantity"),
        (6, "Quantity", "negative_count"),
        (7, "Store", "missing_value"),
        (8, "*", "ragged_row"),
        (9, "Sale Month", "invalid_date"),
        (10, "Team Percentage", "invalid_percentage"),
        (11, "Earnings (USD)", "missing_value"),
    ]
    # and the rows balance: every data row is either kept or rejected
    assert (parsed.rows_in, parsed.rows_out) == (12, 3)
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)


def test_parse_statement_rejection_messages_and_raw_lines(fixture_path: PathOf) -> None:
    # given the bad-rows fixture and its lines as stored
    path = fixture_path("statement_bad_rows.tsv")
    lines = path.read_text("utf-8").split("\n")

    # when it is parsed
    rejections = parse_statement(path, max_rejected_fraction=1.0).rejections

    # then messages quote the value and the raw line is the file's own line
    assert rejections[0] == RowError(
        row=3,
        column="Reporting Date",
        code="invalid_date",
        message="Reporting Date '2025-02-30' is not a YYYY-MM-DD date",
        raw_line=lines[2],
    )
    assert [error.message for error in rejections[3:6]] == [
        "Quantity '-3' is negative",
        "Store is empty",
        "expected 15 fields, found 14",
    ]
    assert rejections[5].raw_line == lines[7]


def test_parse_statement_rejects_ragged_legacy_row(statement_path: WriteStatement) -> None:
    # given a legacy file whose second line has a stray TAB (14 fields)
    good = "2025-01-06\t2024-11\tDeezer\tIWARY\tSoft Reset\tQZIW22527758\t198391027755"
    good += "\t2\t100\tSong\tFR\t0\t0.00560000"
    ragged = good.replace("Soft Reset", "Soft\tReset")
    rows = [good] * 20 + [ragged]
    path = statement_path(("\r".join([LEGACY_HEADER, *rows]) + "\r").encode())

    # when it is parsed
    parsed = parse_statement(path)

    # then the row is set aside with its text and the others load
    assert parsed.rejections == [
        RowError(22, "*", "ragged_row", "expected 13 fields, found 14", ragged)
    ]
    assert (parsed.rows_in, parsed.rows_out) == (21, 20)


def test_parse_statement_accepts_exactly_five_percent_rejected(
    statement_path: WriteStatement,
) -> None:
    # given 95 good rows and 5 with an unparseable amount (5.0 %)
    lines = [current_fields()] * 95 + [current_fields(earnings="n/a")] * 5
    path = statement_path(_current_file(lines))

    # when it is parsed
    parsed = parse_statement(path)

    # then the file loads without the five rows
    assert (parsed.rows_in, parsed.rows_out, len(parsed.rejections)) == (100, 95, 5)
    assert {error.code for error in parsed.rejections} == {"invalid_amount"}


def test_parse_statement_quarantines_above_five_percent_rejected(
    statement_path: WriteStatement,
) -> None:
    # given 94 good rows and 6 bad ones (6 %)
    lines = [current_fields()] * 94 + [current_fields(quantity="-1")] * 6
    path = statement_path(_current_file(lines))

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the message gives the count, the share and the first rows with column and reason
    assert rejected.value.message == (
        "6 of 100 rows rejected (6.0%, more than the 5% allowed); first: "
        "line 96 column 'Quantity' negative_count: Quantity '-1' is negative; "
        "line 97 column 'Quantity' negative_count: Quantity '-1' is negative; "
        "line 98 column 'Quantity' negative_count: Quantity '-1' is negative"
    )


def test_parse_statement_counts_every_rejection_of_a_hopeless_file(
    statement_path: WriteStatement,
) -> None:
    # given 3000 rows, all with an unparseable date (details stop early, counting does not)
    path = statement_path(_current_file([current_fields(reporting_date="03/11/2025")] * 3000))

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the exact count is reported, with the first lines
    assert rejected.value.message.startswith(
        "3000 of 3000 rows rejected (100.0%, more than the 5% allowed); first: line 2 column "
        "'Reporting Date' invalid_date: Reporting Date '03/11/2025' is not a YYYY-MM-DD date; "
        "line 3 "
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\r\n\r\n  \n", "file is empty (only blank lines)"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "content is not a text statement (looks like a PNG image)",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "content is not a text statement (looks like a ZIP archive)",
        ),
        (b"Reporting Date\tSale\x00Month\n", "content is not a text statement (NUL bytes found)"),
    ],
)
def test_parse_statement_quarantines_non_statement_content(
    statement_path: WriteStatement, content: bytes, message: str
) -> None:
    # given content that cannot be a statement
    path = statement_path(content)

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the whole file is rejected with one clear reason
    assert rejected.value.message == message


def test_parse_statement_finds_nul_bytes_past_the_first_chunk(
    statement_path: WriteStatement,
) -> None:
    # given a valid header and 2 MB of lines, then a NUL
    body = _current_file([current_fields()] * 12_000) + b"\x00\n"
    path = statement_path(body)

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the NUL is found although it is far from the head
    assert rejected.value.message == "content is not a text statement (NUL bytes found)"


def test_parse_statement_names_missing_and_unexpected_columns(
    statement_path: WriteStatement,
) -> None:
    # given a current header whose amount column was renamed
    header = CURRENT_HEADER.replace('"Earnings (USD)"', '"Earnings"')
    path = statement_path(f"{header}\n{quoted_line(current_fields())}\n".encode())

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the message lists what is missing, what is unexpected and the expected set
    assert rejected.value.message == (
        "header is not a DistroKid bank statement; missing columns: 'Earnings (USD)'; "
        "unexpected columns: 'Earnings'; expected (dk_current_15): 'Date Inserted', "
        "'Reporting Date', 'Sale Month', 'Store', 'Artist', 'Title', 'ISRC', 'UPC', "
        "'Quantity', 'Team Percentage', 'Source Type', 'Country of Sale', "
        "'Songwriter Royalties Withheld (USD)', 'Earnings (USD)', 'Recoup (USD)'"
    )


def test_parse_statement_rejects_a_header_that_fits_two_layouts(
    statement_path: WriteStatement,
) -> None:
    # given a 16-column header carrying both Source Type and Song/Album
    header = CURRENT_HEADER + ',"Song/Album"'
    path = statement_path(f"{header}\n".encode())

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the message says the layout is ambiguous
    assert "the header fits more than one layout" in rejected.value.message
    assert "unexpected columns: 'Song/Album'" in rejected.value.message


def test_parse_statement_rejects_another_csv(statement_path: WriteStatement) -> None:
    # given a CSV from another vendor, named like a DistroKid export
    path = statement_path(b"Date,Streams,Listeners\n2025-01-01,10,4\n", "DistroKid_123.tsv")

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_statement(path)

    # then the file name did not decide: the header is reported
    assert rejected.value.message.startswith(
        "header is not a DistroKid bank statement; missing columns: 'Date Inserted', "
    )
    assert "unexpected columns: 'Date', 'Streams', 'Listeners'" in rejected.value.message


def test_a_repeated_value_is_judged_once_and_applied_to_every_row_holding_it(
    statement_path: WriteStatement,
) -> None:
    # given the same bad date, padded store and missing store on several rows each (columns are
    # read dictionary-encoded, so each distinct value is checked once)
    lines = [
        current_fields(reporting_date="2025-02-30"),
        current_fields(store=" Spotify "),
        current_fields(store="  "),
        current_fields(),
        current_fields(reporting_date="2025-02-30"),
        current_fields(store=" Spotify "),
        current_fields(store="  "),
    ]
    path = statement_path(_current_file(lines))

    # when it is parsed with the share limit lifted
    parsed = parse_statement(path, max_rejected_fraction=1.0)

    # then every row holding a bad value is rejected on its own line, with the value quoted
    found = [(error.row, error.column, error.code, error.message) for error in parsed.rejections]
    assert found == [
        (
            2,
            "Reporting Date",
            "invalid_date",
            "Reporting Date '2025-02-30' is not a YYYY-MM-DD date",
        ),
        (4, "Store", "missing_value", "Store is empty"),
        (
            6,
            "Reporting Date",
            "invalid_date",
            "Reporting Date '2025-02-30' is not a YYYY-MM-DD date",
        ),
        (8, "Store", "missing_value", "Store is empty"),
    ]
    # and the kept rows carry the trimmed store, the padded ones fingerprinted like the plain one
    table = parsed.tables["statement_lines"]
    assert table.column("line_number").to_pylist() == [3, 5, 7]
    assert table.column("store").to_pylist() == ["Spotify"] * 3
    assert len(set(table.column("line_fingerprint").to_pylist())) == 1
    assert table.column("occurrence").to_pylist() == [1, 2, 3]

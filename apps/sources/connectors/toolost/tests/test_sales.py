"""parse_sales_report (provisional layout): the alias table, DistroKid's fingerprint, rejections."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.distrokid.tests.helpers import reference_fingerprint
from apps.sources.connectors.toolost.sales import (
    HEADER_ALIASES,
    REQUIRED_FIELDS,
    parse_sales_report,
    sniff_sales_header,
)
from apps.sources.connectors.toolost.samples import SALES_REPORT_HEADER, sales_report_bytes

PathOf = Callable[[str], Path]
WriteFile = Callable[[str, bytes], Path]


def _sample_lines(count: int, seed: int = 3) -> list[str]:
    """A generated report split into its header and `count` CRLF lines."""
    text = sales_report_bytes(month=date(2025, 3, 1), lines=count, seed=seed).decode()
    return text.split("\r\n")[:-1]


def test_parse_sales_report_maps_the_guessed_layout_to_statement_lines(
    fixture_path: PathOf,
) -> None:
    # given a report in the guessed layout: CRLF, a quoted store with a comma, a repeated line
    parsed = parse_sales_report(fixture_path("sales_report_guessed_layout.csv"))

    # then the lineage facts are those of the file
    assert (parsed.kind, parsed.schema_id, parsed.rows_in, parsed.rows_out) == (
        "sales_report",
        "tl_sales_provisional",
        4,
        4,
    )
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("utf-8", ",", "CRLF")
    assert (parsed.rejections, parsed.warnings) == ([], [])
    rows = parsed.tables["statement_lines"].to_pylist()
    # and the first line is typed exactly, fingerprinted with DistroKid's recipe
    assert rows[0] == {
        "distributor": "toolost",
        "line_fingerprint": reference_fingerprint(
            reporting_date="2025-05-03",
            sale_month="2025-03",
            store="Spotify",
            artist="IWARY",
            title="Lanternfish",
            isrc="QZTL22500011",
            upc="199876500017",
            country="US",
            quantity="120",
            earnings="0.33480000",
            team_percentage="100",
            source_type="",
        ),
        "occurrence": 1,
        "schema_id": "tl_sales_provisional",
        "date_inserted": None,
        "reporting_date": date(2025, 5, 3),
        "accounting_date": date(2025, 4, 30),
        "sale_month": date(2025, 3, 1),
        "store": "Spotify",
        "artist_name": "IWARY",
        "title": "Lanternfish",
        "isrc": "QZTL22500011",
        "upc": "199876500017",
        "quantity": 120,
        "team_percentage": 100,
        "source_type": None,
        "country_code": "US",
        "songwriter_withheld_usd": None,
        "earnings_usd": Decimal("0.3348"),
        "recoup_usd": None,
        "original_currency": "USD",
        "line_number": 2,
    }
    # and the repeated line stays as occurrence 2; the share, the currency, the country and the
    # quoted store are read as written
    assert [
        (row["line_number"], row["occurrence"], row["store"], row["team_percentage"])
        for row in rows
    ] == [
        (2, 1, "Spotify", 100),
        (3, 1, "Apple Music", 50),
        (4, 2, "Apple Music", 50),
        (5, 1, "TikTok, Inc.", 100),
    ]
    assert rows[1]["line_fingerprint"] == rows[2]["line_fingerprint"]
    assert (rows[3]["country_code"], rows[3]["original_currency"], rows[3]["earnings_usd"]) == (
        "BR",
        "BRL",
        Decimal("1.215"),
    )


def test_parse_sales_report_reads_aliases_month_first_months_and_revenue_minus_fee(
    fixture_path: PathOf,
) -> None:
    # given a semicolon report with snake_case headers, MM-YYYY sale months, no net column and
    # a column no alias knows (`label`)
    parsed = parse_sales_report(fixture_path("sales_report_semicolon_gross_minus_fee.csv"))

    # then each meaning is found through the alias table, earnings = revenue - fee
    rows = parsed.tables["statement_lines"].to_pylist()
    assert [
        (
            row["sale_month"],
            row["store"],
            row["title"],
            row["quantity"],
            row["earnings_usd"],
            row["country_code"],
            row["original_currency"],
        )
        for row in rows
    ] == [
        (date(2025, 3, 1), "Spotify", "Tidepool Radio", 1000, Decimal("2.79"), "US", "USD"),
        (date(2025, 3, 1), "Deezer", "Tidepool Radio", 10, Decimal("0.0261"), "FR", "EUR"),
    ]
    # and both the unknown column and the computed earnings are noted on the file
    assert parsed.delimiter == ";"
    assert parsed.warnings == [
        "schema_changed schema=tl_sales_provisional new_columns='label'",
        "earnings_computed as=revenue_minus_revenue_fee",
    ]
    # and only the unknown column is drift; the aliases are not (SPEC 3.3)
    assert parsed.unknown_columns == ["label"]


def test_parse_sales_report_rejects_unknown_headers_listing_found_and_required(
    fixture_path: PathOf,
) -> None:
    # given a CSV whose header is some other report's
    path = fixture_path("sales_report_unknown_headers.csv")

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_sales_report(path)

    # then the reason lists what is missing, every header found and what is required
    message = rejected.value.message
    assert message.startswith(
        "header is not a TooLost sales report; "
        "missing: reporting date, sale month or sale date, store, quantity, "
        "net revenue or revenue; "
        "headers found: 'Date', 'Platform Name', 'Song Name', 'Plays', 'Payout'; "
        "required: reporting date ('reporting date', 'report date', 'reported date', "
        "'date reported'); sale month or sale date ('sale month', "
    )
    assert message.endswith(
        "net revenue or revenue ('net revenue', 'net revenue (usd)', "
        "'net earnings', 'net earnings (usd)', 'net amount', 'earnings', "
        "'earnings (usd)', 'payable', 'payable (usd)', 'revenue', "
        "'revenue (usd)', 'gross revenue', 'gross revenue (usd)', 'amount', "
        "'royalty')"
    )


def test_parse_sales_report_rejects_bad_lines_and_keeps_the_rest(write_file: WriteFile) -> None:
    # given 40 generated lines where line 8 has a negative quantity and line 12 lost two fields
    lines = _sample_lines(40)
    fields = next(csv.reader([lines[7]]))
    fields[8] = "-3"
    lines[7] = ",".join(fields)
    lines[11] = ",".join(next(csv.reader([lines[11]]))[:-2])
    path = write_file("@03-2025-18340.csv", ("\r\n".join(lines) + "\r\n").encode())

    # when it is parsed
    parsed = parse_sales_report(path)

    # then the two lines are rejected with line, column and reason; 38 load (2 of 40 = 5 %)
    assert (parsed.rows_in, parsed.rows_out) == (40, 38)
    assert parsed.rejections == [
        RowError(8, "Quantity", "negative_count", "Quantity -3 is negative", lines[7]),
        RowError(12, "*", "ragged_row", "expected 16 fields, found 14", lines[11]),
    ]
    assert parsed.tables["statement_lines"].num_rows == 38
    assert 8 not in parsed.tables["statement_lines"].column("line_number").to_pylist()


def test_parse_sales_report_quarantines_more_than_5_percent_rejected(write_file: WriteFile) -> None:
    # given 20 lines of which 2 have an unreadable revenue (10 %)
    lines = _sample_lines(20)
    for number in (3, 9):
        fields = next(csv.reader([lines[number - 1]]))
        fields[11] = "n/a"
        lines[number - 1] = ",".join(fields)
    path = write_file("report.csv", ("\r\n".join(lines) + "\r\n").encode())

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_sales_report(path)

    # then the reason counts and quotes them
    assert rejected.value.message == (
        "2 of 20 rows rejected (10.0%, more than the 5% allowed); first: "
        "row 3 column 'Net Revenue' invalid_number: Net Revenue 'n/a' is not a decimal amount; "
        "row 9 column 'Net Revenue' invalid_number: Net Revenue 'n/a' is not a decimal amount"
    )


def test_parse_sales_report_keeps_lines_with_malformed_ids_and_notes_them(
    write_file: WriteFile,
) -> None:
    # given one line with an ISRC, a UPC and a country that are not codes, a blank line, CR-only
    header = ",".join(SALES_REPORT_HEADER)
    line = (
        "2025-03-02,2025-04-30,2025-05-03,Spotify,IWARY,Lanternfish,US-ABC,1.99877E+11,12,"
        '"$1,234.50",0,"$1,234.50",USD,United States,,100'
    )
    path = write_file("report.csv", f"{header}\r\r{line}\r".encode())

    # when it is parsed
    parsed = parse_sales_report(path)

    # then the line keeps its money, the three ids are dropped and counted on the file
    row = parsed.tables["statement_lines"].to_pylist()[0]
    assert (row["isrc"], row["upc"], row["country_code"], row["earnings_usd"]) == (
        None,
        None,
        None,
        Decimal("1234.50"),
    )
    assert (row["line_number"], parsed.rows_in, parsed.line_ending) == (3, 1, "CR")
    assert parsed.warnings == [
        "country_discarded count=1",
        "isrc_discarded count=1",
        "upc_discarded count=1",
    ]


def test_parse_sales_report_reads_the_generated_report_in_full(write_file: WriteFile) -> None:
    # given a generated report of 300 lines
    content = sales_report_bytes(month=date(2025, 9, 1), lines=300, seed=11)
    parsed = parse_sales_report(write_file("@09-2025-18341.csv", content))

    # then every line loads, earnings are the net column to the cent and more
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections) == (300, 300, [])
    expected = sum(Decimal(row["Net Revenue"]) for row in rows)
    assert sum(parsed.tables["statement_lines"].column("earnings_usd").to_pylist()) == expected


def test_sniff_sales_header_needs_a_toolost_only_column_and_is_never_a_distrokid_header() -> None:
    # a header with every required meaning and an accounting date is TooLost's
    assert sniff_sales_header(",".join(SALES_REPORT_HEADER))
    # without any TooLost-only meaning it could be anyone's statement: not claimed
    assert not sniff_sales_header("Reporting Date,Sale Month,Store,Title,Quantity,Earnings")
    # DistroKid's legacy and current headers overlap the aliases but stay DistroKid's
    legacy = (
        "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\t"
        "Team Percentage\tSong/Album\tCountry of Sale\tSongwriter Royalties Withheld\t"
        "Earnings (USD)"
    )
    assert not sniff_sales_header(legacy)
    assert not sniff_sales_header("")


def test_sniff_sales_header_claims_a_report_one_required_column_short() -> None:
    # given the report header with Quantity dropped: two TooLost-only meanings remain
    short = "Sale Date,Accounting Date,Reporting Date,Store,Artist,Title,Net Revenue,Split ID"
    # then it is still TooLost's, so the parser can name the missing column
    assert sniff_sales_header(short)
    # but one TooLost-only meaning (a currency) is not enough when a meaning is missing
    assert not sniff_sales_header("Reporting Date,Sale Month,Store,Title,Earnings,Currency")
    # and two missing meanings are never claimed
    assert not sniff_sales_header("Reporting Date,Store,Title,Split ID,Accounting Date")


def test_parse_sales_report_takes_a_trailing_comma_for_no_new_column(
    write_file: WriteFile,
) -> None:
    # given a report whose header and line both end with a comma
    content = (
        "Sale Date,Accounting Date,Reporting Date,Store,Artist,Title,Quantity,Net Revenue,\n"
        "2025-04-10,2025-05-31,2025-06-15,Spotify,ZONE A0,The Scale,7,-0.07,\n"
    )
    parsed = parse_sales_report(write_file("report.csv", content.encode()))

    # then the empty last cell is no schema change and the line loads whole
    assert parsed.warnings == []
    row = parsed.tables["statement_lines"].to_pylist()[0]
    assert (row["title"], row["quantity"], row["earnings_usd"], row["line_number"]) == (
        "The Scale",
        7,
        Decimal("-0.07"),
        2,
    )


def test_parse_sales_report_reads_a_header_that_sniffing_would_not_claim(
    write_file: WriteFile,
) -> None:
    # given a report with only the required meanings (forced as toolost by --source)
    content = (
        "Reporting Date,Sale Month,Store,Title,Quantity,Earnings\n"
        "2025-05-03,2025-03,Tidal,Vesper,3,0.03\n"
    )
    parsed = parse_sales_report(write_file("report.csv", content.encode()))

    # then it loads as a TooLost statement line
    row = parsed.tables["statement_lines"].to_pylist()[0]
    assert (row["store"], row["quantity"], row["earnings_usd"], row["sale_month"]) == (
        "Tidal",
        3,
        Decimal("0.03"),
        date(2025, 3, 1),
    )


def test_header_alias_table_is_data_every_required_meaning_has_spellings() -> None:
    fields = {entry.field for entry in HEADER_ALIASES}
    assert all(name in fields for group in REQUIRED_FIELDS for name in group)
    spellings = [alias for entry in HEADER_ALIASES for alias in entry.aliases]
    assert len(spellings) == len(set(spellings))

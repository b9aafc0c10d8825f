"""Ads Manager XLSX exports: sheets, title row, aggregate rows, forward fill, zip safety."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.metaads import xlsxfile
from apps.sources.connectors.metaads.samples import (
    SheetCell,
    both_sheets_xlsx_bytes,
    report_xlsx_bytes,
    xlsx_bytes,
)
from apps.sources.connectors.metaads.tests.conftest import WriteFile
from apps.sources.connectors.metaads.tests.helpers import columns, parse_path

HEADER: list[SheetCell] = [
    "Campaign name",
    "Campaign ID",
    "Day",
    "Reporting starts",
    "Reporting ends",
    "Amount spent (USD)",
    "Impressions",
    "Reach",
]
# Workbook dates (openpyxl writes them as Excel dates and reads them back as datetimes).
START, END = date(2022, 12, 10), date(2022, 12, 11)
DEC_10, DEC_11 = date(2022, 12, 10), date(2022, 12, 11)

# The formatted sheet: summary first, an `All`/`Tous` row above each campaign's days, the
# campaign name blank on its day rows, every number a float.
FORMATTED: list[list[SheetCell]] = [
    HEADER,
    [None, None, None, START, END, 30.0, 3000.0, 2000.0],
    ["THE SCALE", "120212345678901234", "All", START, END, 20.0, 2000.0, 1500.0],
    [None, None, DEC_10, START, END, 12.5, 1200.0, 900.0],
    [None, None, DEC_11, START, END, 7.5, 800.0, 700.0],
    ["MUD SEASON «remix»", "120212345678901235", "Tous", START, END, 10.0, 1000.0, 600.0],
    [None, None, DEC_10, START, END, 10.0, 1000.0, 600.0],
]

# The raw sheet: the same days with every name filled, numbers as floats (5963.0).
RAW: list[list[SheetCell]] = [
    HEADER,
    [None, None, None, START, END, 30.0, 7163.0, 2000.0],
    ["THE SCALE", "120212345678901234", "All", START, END, 20.0, 6163.0, 1500.0],
    ["THE SCALE", "120212345678901234", DEC_10, START, END, 12.5, 5963.0, 900.0],
    ["THE SCALE", "120212345678901234", DEC_11, START, END, 7.5, 200.0, 700.0],
    ["MUD SEASON «remix»", "120212345678901235", "Total", START, END, 10.0, 1000.0, 600.0],
    ["MUD SEASON «remix»", "120212345678901235", DEC_10, START, END, 10.0, 1000.0, 600.0],
]


def test_parse_xlsx_prefers_the_raw_data_report(write_file: WriteFile) -> None:
    # given a workbook with both sheets (the formatted one first, as Ads Manager writes it)
    path = write_file(both_sheets_xlsx_bytes(FORMATTED, RAW), "report.xlsx")

    # when it is parsed
    parsed = parse_path(path)

    # then the raw sheet's rows load (its impressions differ from the formatted sheet's)
    assert (parsed.kind, parsed.schema_id) == (
        "ads_manager_xlsx",
        "meta_ads_manager_en_campaign_daily",
    )
    assert columns(
        parsed.tables["meta_ads_daily"], "date", "campaign_key", "spend", "impressions"
    ) == [
        (date(2022, 12, 10), "120212345678901234", Decimal("12.5"), 5963),
        (date(2022, 12, 11), "120212345678901234", Decimal("7.5"), 200),
        (date(2022, 12, 10), "120212345678901235", Decimal("10"), 1000),
    ]


def test_parse_xlsx_skips_aggregate_rows_and_forward_fills_the_formatted_sheet(
    write_file: WriteFile,
) -> None:
    # given only the formatted sheet
    path = write_file(report_xlsx_bytes(FORMATTED, sheet="Formatted Report"), "report.xlsx")

    # when it is parsed
    parsed = parse_path(path)

    # then the summary and the All/Tous rows are set aside (expected, never quarantining) and
    # each day row takes the campaign name and id above it
    assert [(e.row, e.code) for e in parsed.rejections] == [
        (3, "summary_row"),
        (4, "aggregate_row"),
        (7, "aggregate_row"),
    ]
    assert (parsed.rows_in, parsed.rows_out) == (6, 3)
    assert columns(
        parsed.tables["meta_ads_daily"],
        "date",
        "campaign_key",
        "campaign_name",
        "spend",
        "spend_usd",
        "impressions",
        "reach",
    ) == [
        (date(2022, 12, 10), "120212345678901234", "THE SCALE", Decimal("12.5"), Decimal("12.5"),
         1200, 900),
        (date(2022, 12, 11), "120212345678901234", "THE SCALE", Decimal("7.5"), Decimal("7.5"),
         800, 700),
        (date(2022, 12, 10), "120212345678901235", "MUD SEASON «remix»", Decimal("10"),
         Decimal("10"), 1000, 600),
    ]  # fmt: skip


def test_parse_xlsx_checks_the_summary_as_control_total(write_file: WriteFile) -> None:
    # given a raw sheet whose summary says 31.00 while the days add up to 30.00
    rows = [list(row) for row in RAW]
    rows[1][5] = 31.0
    path = write_file(report_xlsx_bytes(rows), "report.xlsx")

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)

    # then both totals are named
    assert rejected.value.message == (
        "control total mismatch: summary row spend 31.00 USD, loaded rows sum to 30.00 USD "
        "(difference 1.00, tolerance 0.01)"
    )


def test_parse_xlsx_discards_float_ids_that_lost_digits(write_file: WriteFile) -> None:
    # given a sheet where one id is exact text and one became a float in Excel
    header: list[SheetCell] = ["Reporting starts", "Reporting ends", "Campaign name", "Campaign ID",
                               "Amount spent (USD)"]  # fmt: skip
    rows: list[list[SheetCell]] = [
        header,
        ["2025-01-01", "2025-01-31", "A", "120212345678901234", 1.0],
        ["2025-01-01", "2025-01-31", "B", 1.20212345678901e17, 2.0],
    ]
    path = write_file(report_xlsx_bytes(rows), "report.xlsx")

    # when it is parsed
    parsed = parse_path(path)

    # then the float id is never rounded into an id
    assert columns(parsed.tables["meta_ads_periods"], "campaign_key", "campaign_id") == [
        ("120212345678901234", "120212345678901234"),
        ("name:b", None),
    ]
    assert parsed.warnings == [
        "row 4: ID precision lost in 'Campaign ID' ('1.20212345678901e+17' discarded; "
        "matched by name)",
        "no summary row first; loaded spend not checked against a control total",
    ]


def test_parse_xlsx_finds_a_localised_sheet_by_its_header(write_file: WriteFile) -> None:
    # given a French workbook whose sheet has another name
    rows: list[list[SheetCell]] = [
        ["Début des rapports", "Fin des rapports", "Nom de la campagne", "Montant dépensé (EUR)"],
        ["2025-01-01", "2025-01-31", "Été", 4.5],
    ]
    path = write_file(xlsx_bytes({"Rapport": rows}), "rapport.xlsx")

    # when it is parsed
    parsed = parse_path(path)

    # then that sheet loads
    assert columns(parsed.tables["meta_ads_periods"], "campaign_name", "currency", "spend") == [
        ("Été", "EUR", Decimal("4.5"))
    ]


def test_parse_xlsx_names_the_sheets_when_none_is_a_report(write_file: WriteFile) -> None:
    path = write_file(xlsx_bytes({"Sheet1": [["a", "b"]], "Notes": [["c"]]}), "x.xlsx")
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)
    assert rejected.value.message == (
        "no 'Raw Data Report' or 'Formatted Report' sheet and no sheet with an Ads Manager "
        "header; sheets found: 'Sheet1', 'Notes'"
    )


def _zip(entries: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        pytest.param(
            b"PK\x03\x04 truncated",
            r"content is not an XLSX workbook \(not a readable zip\)",
            id="broken-zip",
        ),
        pytest.param(
            _zip({f"xl/f{n}.xml": b"x" for n in range(51)}),
            r"archive has 51 entries, more than 50",
            id="too-many-entries",
        ),
        pytest.param(
            _zip({"xl/workbook.xml": b"<w/>", "../evil.xml": b"x"}),
            r"archive entry '\.\./evil\.xml' points outside the archive",
            id="path-escape",
        ),
        pytest.param(
            _zip({"xl/workbook.xml": b"<w/>", "xl/sharedStrings.xml": b"\x00" * (4 << 20)}),
            r"archive entry 'xl/sharedStrings\.xml' has compression ratio \d+, more than 200",
            id="zip-bomb",
        ),
        pytest.param(
            _zip({"word/document.xml": b"<d/>"}),
            r"content is a zip archive without xl/workbook\.xml \(not an XLSX\)",
            id="word-document",
        ),
        pytest.param(
            _zip({"xl/workbook.xml": b"not xml"}),
            r"workbook cannot be read \(\w+\)",
            id="damaged-workbook",
        ),
    ],
)
def test_parse_xlsx_refuses_unsafe_or_broken_archives_before_opening_them(
    write_file: WriteFile, content: bytes, pattern: str
) -> None:
    # given a broken zip, too many entries, a path escape, a bomb, another Office file, or a
    # damaged workbook; when parsed; then it is quarantined with the reason
    with pytest.raises(FileRejected) as rejected:
        parse_path(write_file(content, "report.xlsx"))
    assert re.fullmatch(pattern, rejected.value.message)


def test_check_archive_refuses_an_archive_expanding_past_the_limit(
    write_file: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a limit of 1 KiB and a workbook of more
    monkeypatch.setattr(xlsxfile, "MAX_UNCOMPRESSED_BYTES", 1024)
    path = write_file(report_xlsx_bytes(RAW), "report.xlsx")

    # when it is checked; then the declared sizes alone refuse it
    with pytest.raises(FileRejected) as rejected:
        xlsxfile.check_archive(path)
    assert rejected.value.message.startswith("archive expands to ")
    assert rejected.value.message.endswith(" bytes, more than 1024")

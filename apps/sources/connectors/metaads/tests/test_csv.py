"""Ads Manager CSV exports: every quirk of SPEC 2.5, with values worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.metaads.samples import csv_bytes
from apps.sources.connectors.metaads.tests.conftest import WriteFile
from apps.sources.connectors.metaads.tests.helpers import (
    columns,
    non_null,
    parse_fixture,
    parse_path,
)

WINDOW = {"period_start": date(2022, 12, 10), "period_end": date(2023, 1, 8)}
SHORT_HEADER = ("Reporting starts", "Reporting ends", "Campaign name", "Amount spent (USD)")


def test_parse_export_sets_summary_row_aside_and_keeps_every_column_typed() -> None:
    # given the EN campaign export: summary row first (delivery 0), 18-digit ids, names with
    # emoji, guillemets, commas, apostrophes and quotes, every optional column filled
    # when it is parsed
    parsed = parse_fixture("campaigns_summary_first_18_digit_ids.csv")

    # then the summary row is set aside and the three campaigns cover the whole window
    assert (parsed.kind, parsed.schema_id) == (
        "ads_manager_csv",
        "meta_ads_manager_en_campaign_window",
    )
    assert (parsed.rows_in, parsed.rows_out, parsed.warnings) == (4, 3, [])
    assert [(e.row, e.code) for e in parsed.rejections] == [(2, "summary_row")]
    assert list(parsed.tables) == ["meta_ads_periods"]
    common = {
        **WINDOW,
        "adset_id": "",
        "ad_id": "",
        "grain": "campaign",
        "currency": "USD",
        "attribution_setting": "7-day click or 1-day view",
        "source_kind": "ads_manager_csv",
    }
    assert non_null(parsed.tables["meta_ads_periods"]) == [
        {
            **common,
            "campaign_key": "120212345678901234",
            "campaign_id": "120212345678901234",
            "campaign_name": "🔥 ZONE A0 - THE SCALE",
            "spend": Decimal("50.40"),
            "spend_usd": Decimal("50.40"),
            "impressions": 2400,
            "reach": 1500,
            "frequency": 1.6,
            "clicks_all": 150,
            "link_clicks": 120,
            "results": 120,
            "result_indicator": "actions:link_click",
            "ctr": 0.0625,
            "link_ctr": 0.05,
            "landing_page_views": 80,
            "delivery": "active",
            "quality_ranking": "Above average",
            "engagement_rate_ranking": "Average",
            "adset_budget": Decimal("10"),
            "adset_budget_type": "daily",
            "is_ongoing": True,
        },
        {
            **common,
            "campaign_key": "120212345678901235",
            "campaign_id": "120212345678901235",
            "campaign_name": "PIG1987 «Mud Season», remix",
            "spend": Decimal("33.33"),
            "spend_usd": Decimal("33.33"),
            "impressions": 1000,
            "reach": 800,
            "frequency": 1.25,
            "clicks_all": 55,
            "link_clicks": 40,
            "results": 40,
            "result_indicator": "actions:link_click",
            "ctr": 0.055,
            "link_ctr": 0.04,
            "landing_page_views": 25,
            "delivery": "inactive",
            "adset_budget": Decimal("200"),
            "adset_budget_type": "lifetime",
            "ends_on": date(2023, 1, 5),
            "is_ongoing": False,
        },
        {
            **common,
            "campaign_key": "120212345678901236",
            "campaign_id": "120212345678901236",
            "campaign_name": 'IWARY\'s "Paper Lanterns" - Copy',
            "spend": Decimal("13.00"),
            "spend_usd": Decimal("13.00"),
            "impressions": 500,
            "reach": 400,
            "frequency": 1.25,
            "clicks_all": 12,
            "link_clicks": 10,
            "ctr": 0.024,
            "link_ctr": 0.02,
            "delivery": "completed",
            "adset_budget_type": "campaign",
            "ends_on": date(2022, 12, 31),
            "is_ongoing": False,
        },
    ]


def test_parse_export_reads_an_excel_resaved_french_file() -> None:
    # given a French export re-saved by Excel: cp1252, `;`, CRLF, comma decimals, NBSP in the
    # spend label and in thousands, a curly apostrophe, `10 déc. 2022` dates and `En cours`
    # when it is parsed
    parsed = parse_fixture("campaigns_fr_excel_resave_semicolon_cp1252.csv")

    # then the locale is understood and the total 1 234,56 matches 1 000,06 + 234,50
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("cp1252", ";", "CRLF")
    assert parsed.schema_id == "meta_ads_manager_fr_campaign_window"
    # and the French labels are all declared: nothing for lake drift to report (SPEC 3.3)
    assert parsed.unknown_columns == []
    table = parsed.tables["meta_ads_periods"]
    assert columns(
        table,
        "period_start",
        "period_end",
        "campaign_key",
        "campaign_name",
        "spend",
        "reach",
        "impressions",
        "frequency",
        "ctr",
        "ends_on",
        "is_ongoing",
        "adset_budget_type",
    ) == [
        (
            date(2022, 12, 10),
            date(2023, 1, 8),
            "name:«nuit» campagne, test; v2",
            "«Nuit» Campagne, test; v2",
            Decimal("1000.06"),
            1500,
            3000,
            1.25,
            0.004,
            None,
            True,
            "daily",
        ),
        (
            date(2022, 12, 10),
            date(2023, 1, 8),
            "name:l'été - copy",
            "L'été - Copy",
            Decimal("234.50"),
            845,
            930,
            1.1,
            0.01075,
            date(2023, 1, 15),
            False,
            "lifetime",
        ),
    ]


def test_parse_export_keeps_non_usd_spend_exact_and_warns_no_fx_rate() -> None:
    # given a Portuguese IDR export with `10 de dez. de 2022` dates and a UTF-8 BOM
    # when it is parsed
    parsed = parse_fixture("campaigns_pt_locale_dates_idr.csv")

    # then spend stays in IDR, spend_usd waits for the warehouse's FX rate, each row warns
    table = parsed.tables["meta_ads_periods"]
    assert columns(
        table, "period_start", "period_end", "campaign_id", "currency", "spend", "spend_usd"
    ) == [
        (date(2022, 12, 10), date(2023, 1, 9), "120230000000000011", "IDR", Decimal(1250000), None),
        (date(2022, 12, 10), date(2023, 1, 9), "120230000000000012", "IDR", Decimal(750000), None),
    ]
    assert columns(table, "campaign_name", "ends_on", "is_ongoing") == [
        ("Campanha Verão ☀️", None, True),
        ("Campanha Inverno", date(2022, 12, 31), False),
    ]
    assert parsed.warnings == [
        "row 3: no FX rate for 'IDR'; spend_usd left null for review",
        "row 4: no FX rate for 'IDR'; spend_usd left null for review",
    ]


def test_parse_export_with_a_day_column_fills_meta_ads_daily_only() -> None:
    # given an EUR export broken down by Day
    # when it is parsed
    parsed = parse_fixture("campaigns_daily_eur_no_fx_rate.csv")

    # then each row is one day of one campaign, keyed by its exact id
    assert list(parsed.tables) == ["meta_ads_daily"]
    assert parsed.schema_id == "meta_ads_manager_en_campaign_daily"
    assert columns(
        parsed.tables["meta_ads_daily"], "date", "campaign_key", "spend", "spend_usd", "reach"
    ) == [
        (date(2025, 5, 1), "120200000000000001", Decimal("7.50"), None, 800),
        (date(2025, 5, 2), "120200000000000001", Decimal("8.25"), None, 850),
        (date(2025, 5, 1), "120200000000000002", Decimal("4.24"), None, 450),
    ]
    assert len(parsed.warnings) == 3


def test_parse_export_absorbs_title_case_trailing_spaces_and_reports_new_columns() -> None:
    # given an ad-set export with Title case labels, trailing spaces, `Cost Per Result`
    # (singular), no ids, and a column the alias table does not know
    # when it is parsed
    parsed = parse_fixture("adsets_title_case_trailing_spaces_new_column.csv")

    # then nothing is drift but the new column, and ad sets are keyed by name within their
    # campaign (no id is known)
    assert parsed.warnings == ["new columns kept in raw only: 'Website Purchases'"]
    assert parsed.unknown_columns == ["Website Purchases"]
    assert columns(
        parsed.tables["meta_ads_periods"],
        "grain",
        "campaign_key",
        "adset_id",
        "adset_name",
        "spend",
        "adset_budget",
        "adset_budget_type",
        "results",
    ) == [
        ("adset", "name:the scale - copy", "name:us 18-34", "US 18-34", Decimal("10.10"),
         Decimal(5), "daily", 20),
        ("adset", "name:the scale - copy", "name:br 18-24 ✨", "BR 18-24 ✨", Decimal("5.05"),
         Decimal(35), "lifetime", None),
    ]  # fmt: skip


def test_parse_export_discards_ids_in_scientific_notation_and_matches_by_name() -> None:
    # given a Spanish ad-level export where Excel turned some 18-digit ids into `1.20246E+17`
    # when it is parsed
    parsed = parse_fixture("ads_es_scientific_notation_ids.csv")

    # then no id is rounded: a lost id takes the exact id its name has on another row of the
    # file, else the row is keyed by name; every lost id is a row warning
    assert columns(
        parsed.tables["meta_ads_periods"], "campaign_key", "campaign_id", "adset_id", "ad_id"
    ) == [
        ("120245678901234567", "120245678901234567", "120245678901234568", "120245678901234569"),
        ("120245678901234567", "120245678901234567", "120245678901234568", "name:vídeo 2"),
        ("name:campaña huérfana", None, "name:mx", "name:vídeo 3"),
    ]
    assert parsed.warnings == [
        "row 4: ID precision lost in 'Campaign ID' ('1.20246E+17' discarded; "
        "matched by name to 120245678901234567)",
        "row 4: ID precision lost in 'Ad set ID' ('1.20246E+17' discarded; "
        "matched by name to 120245678901234568)",
        "row 4: ID precision lost in 'Ad ID' ('1.20246E+17' discarded; matched by name)",
        "row 5: ID precision lost in 'Campaign ID' ('1.20247E+17' discarded; matched by name)",
        "row 5: ID precision lost in 'Ad set ID' ('1.20247E+17' discarded; matched by name)",
        "row 5: ID precision lost in 'Ad ID' ('1.20247E+17' discarded; matched by name)",
    ]
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections) == 4


def test_parse_export_rejects_a_control_total_mismatch_naming_both_totals() -> None:
    # given a summary of 100.00 over rows of 60.00 and 39.98
    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("campaigns_control_total_mismatch.csv")

    # then the file is quarantined with both totals
    assert rejected.value.message == (
        "control total mismatch: summary row spend 100.00 USD, loaded rows sum to 99.98 USD "
        "(difference 0.02, tolerance 0.01)"
    )


def test_parse_export_accepts_a_control_total_within_a_cent(write_file: WriteFile) -> None:
    # given a summary of 10.00 over rows of 4.995 and 5.000 (0.005 apart)
    rows = [
        ["2025-06-01", "2025-06-30", "", "10.00"],
        ["2025-06-01", "2025-06-30", "A", "4.995"],
        ["2025-06-01", "2025-06-30", "B", "5.000"],
    ]
    path = write_file(csv_bytes(SHORT_HEADER, rows), "export.csv")

    # when it is parsed
    parsed = parse_path(path)

    # then both rows load
    assert columns(parsed.tables["meta_ads_periods"], "campaign_name", "spend") == [
        ("A", Decimal("4.995")),
        ("B", Decimal("5.000")),
    ]


def test_parse_export_reads_amounts_written_with_a_currency_sign(write_file: WriteFile) -> None:
    # given a hand-made export whose amounts carry the sign: summary $15.00 over $10.00 + $5.00,
    # and an Excel re-save with `;` and euro amounts written `1.234,50 \u20ac`
    usd = [
        ["2022-07-12", "2025-08-12", "", "$15.00"],
        ["2022-07-12", "2025-08-12", "A", "$10.00"],
        ["2022-07-12", "2025-08-12", "B", "US$5.00"],
    ]
    eur_header = ("Reporting starts", "Reporting ends", "Campaign name", "Amount spent (EUR)")
    eur = [
        ["2025-06-01", "2025-06-30", "", "1.234,50 \u20ac"],
        ["2025-06-01", "2025-06-30", "C", "1.234,50 \u20ac"],
    ]

    # when they are parsed
    parsed_usd = parse_path(write_file(csv_bytes(SHORT_HEADER, usd), "usd.csv"))
    parsed_eur = parse_path(write_file(csv_bytes(eur_header, eur, delimiter=";"), "eur.csv"))

    # then the sign is dropped, the control total matches and the amounts are exact
    assert columns(parsed_usd.tables["meta_ads_periods"], "campaign_name", "spend_usd") == [
        ("A", Decimal("10.00")),
        ("B", Decimal("5.00")),
    ]
    assert columns(parsed_eur.tables["meta_ads_periods"], "campaign_name", "spend") == [
        ("C", Decimal("1234.50")),
    ]


def test_parse_export_without_a_summary_row_loads_and_says_it_was_not_checked(
    write_file: WriteFile,
) -> None:
    # given an export whose first row is already a campaign
    path = write_file(csv_bytes(SHORT_HEADER, [["2025-06-01", "2025-06-30", "A", "1"]]), "a.csv")

    # when it is parsed
    parsed = parse_path(path)

    # then it loads with a warning instead of a control total
    assert (parsed.rows_in, parsed.rows_out) == (1, 1)
    assert parsed.warnings == [
        "no summary row first; loaded spend not checked against a control total"
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ("Reporting starts", "Campaign name", "Amount spent (USD)", "Foo"),
            "not an Ads Manager export: missing columns 'Reporting ends'; unexpected columns "
            "'Foo'; expected Reporting starts, Reporting ends, Amount spent (<CUR>) and a "
            "Campaign name",
        ),
        (
            ("Reporting starts", "Reporting ends", "Campaign name", "Amount spent"),
            "the spend column 'Amount spent' names no currency (expected like "
            "'Amount spent (USD)')",
        ),
        (
            ("Reporting starts", "Reporting ends", "Campaign name", "Age", "Amount spent (USD)"),
            "breakdown by Age is not supported (rows are keyed by campaign, ad set, ad and day); "
            "export with no breakdown or by Day",
        ),
        (
            ("Reporting starts", "Reporting ends", "Campaign name", "Amount spent (USD)",
             "Amount spent (EUR)"),
            "columns given twice: 'Amount spent (EUR)'",
        ),
        (
            ("Date", "Streams"),
            "not an Ads Manager export: missing columns 'Reporting starts', 'Reporting ends', "
            "'Amount spent (<CUR>)'; unexpected columns 'Date', 'Streams'; expected Reporting "
            "starts, Reporting ends, Amount spent (<CUR>) and a Campaign name",
        ),
    ],
)  # fmt: skip
def test_parse_export_rejects_a_header_it_cannot_load(
    write_file: WriteFile, header: tuple[str, ...], message: str
) -> None:
    # given a header with a missing, currency-less, unsupported or repeated column
    path = write_file(csv_bytes(header, [["x"] * len(header)]), "export.csv")

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)

    # then the message lists what is missing, unexpected and expected
    assert rejected.value.message == message


def test_parse_export_rejects_single_bad_rows_and_loads_the_rest(write_file: WriteFile) -> None:
    # given 45 rows (no summary) where one has an unreadable date and one an extra field
    rows = [["2025-06-01", "2025-06-30", f"C{n}", "1.00"] for n in range(43)]
    rows.insert(5, ["2025-06-01", "someday", "BAD", "1.00"])
    rows.insert(9, ["2025-06-01", "2025-06-30", "C", "1.00", "shifted"])
    path = write_file(csv_bytes(SHORT_HEADER, rows), "export.csv")

    # when it is parsed with the default 5 % share
    parsed = parse_path(path, kind="ads_manager_csv")

    # then only those rows are rejected, by line and the file's own column name; rows balance
    assert [(e.row, e.column, e.code, e.message) for e in parsed.rejections] == [
        (7, "Reporting ends", "invalid_date", "Reporting ends 'someday' is not a date"),
        (11, "*", "ragged_row", "expected 4 fields, found 5"),
    ]
    assert (parsed.rows_in, parsed.rows_out) == (45, 43)
    assert parsed.tables["meta_ads_periods"].num_rows == 43


def test_parse_export_quarantines_a_file_with_too_many_bad_rows(write_file: WriteFile) -> None:
    # given two rows, one with a negative spend
    rows = [["2025-06-01", "2025-06-30", "A", "-1"], ["2025-06-01", "2025-06-30", "B", "2"]]
    path = write_file(csv_bytes(SHORT_HEADER, rows), "export.csv")

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        parse_path(path)

    # then the whole file is quarantined, quoting the row
    assert rejected.value.message == (
        "1 of 2 rows rejected (50.0%, more than the 5% allowed); first: row 2 column "
        "'Amount spent (USD)' invalid_value: Amount spent (USD) -1 is negative"
    )


def test_parse_export_rejects_a_repeated_key(write_file: WriteFile) -> None:
    # given the same campaign twice in one window (its name differs only in case and spaces)
    rows = [["2025-06-01", "2025-06-30", f"C{n}", "1"] for n in range(21)]
    rows.append(["2025-06-01", "2025-06-30", "c3 ", "1"])
    path = write_file(csv_bytes(SHORT_HEADER, rows), "export.csv")

    # when it is parsed
    parsed = parse_path(path)

    # then the second one is rejected as a duplicate key
    assert [(e.row, e.code) for e in parsed.rejections] == [(23, "duplicate_key")]


@pytest.mark.parametrize(
    ("delimiter", "cells", "expected", "warnings"),
    [
        # `;` (a European Excel): day first, even when both parts are 12 or less
        (";", ("10/12/2022", "08/01/2023"), (date(2022, 12, 10), date(2023, 1, 8)), 1),
        # `,` and EN labels (a US Excel): month first
        (",", ("12/10/2022", "1/8/2023"), (date(2022, 12, 10), date(2023, 1, 8)), 1),
        # a day above 12 settles the order whatever the locale
        (",", ("13/12/2022", "08/01/2023"), (date(2022, 12, 13), date(2023, 1, 8)), 0),
        # two-digit years from a short date format
        (";", ("10.12.22", "8.1.23"), (date(2022, 12, 10), date(2023, 1, 8)), 1),
    ],
)
def test_parse_export_orders_numeric_dates_from_the_data_then_the_locale(
    write_file: WriteFile,
    delimiter: str,
    cells: tuple[str, str],
    expected: tuple[date, date],
    warnings: int,
) -> None:
    # given an Excel re-save that turned ISO dates into numeric ones
    path = write_file(csv_bytes(SHORT_HEADER, [[*cells, "A", "1"]], delimiter=delimiter), "x.csv")

    # when it is parsed
    parsed = parse_path(path)

    # then the window is read in the right order; an undecidable order is a warning
    table = parsed.tables["meta_ads_periods"]
    assert columns(table, "period_start", "period_end") == [expected]
    ambiguous = [w for w in parsed.warnings if w.startswith("numeric dates are ambiguous")]
    assert len(ambiguous) == warnings


def test_parse_export_reads_an_excel_unicode_text_file(write_file: WriteFile) -> None:
    # given Excel's "Unicode text": UTF-16 with a BOM, tabs, comma decimals (Spanish labels)
    header = (
        "Inicio del informe",
        "Fin del informe",
        "Nombre de la campaña",
        "Importe gastado (EUR)",
    )
    rows = [["2025-06-01", "2025-06-30", "", "3,75"], ["2025-06-01", "2025-06-30", "Ñ", "3,75"]]
    path = write_file(csv_bytes(header, rows, delimiter="\t", encoding="utf-16"), "x.txt")

    # when it is parsed
    parsed = parse_path(path)

    # then the tab, the encoding and the comma decimals are all found
    assert (parsed.encoding, parsed.delimiter) == ("utf-16", "\t")
    assert columns(parsed.tables["meta_ads_periods"], "campaign_name", "spend") == [
        ("Ñ", Decimal("3.75"))
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "file is empty"),
        (b"%PDF-1.7 ...", "content does not match .csv (looks like a PDF document)"),
        (b"Reporting starts,\x00\n", "content is not a text export (NUL characters found)"),
    ],
)
def test_parse_export_rejects_content_that_is_not_an_export(
    write_file: WriteFile, content: bytes, message: str
) -> None:
    # given empty or binary content; when parsed; then the reason is named
    with pytest.raises(FileRejected) as rejected:
        parse_path(write_file(content, "x.csv"))
    assert rejected.value.message == message

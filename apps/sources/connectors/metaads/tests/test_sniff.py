"""Source detection from content: Meta claims its four kinds and nothing else."""

from __future__ import annotations

import random

import pytest

from apps.sources.connectors.base import SNIFF_HEAD_BYTES
from apps.sources.connectors.metaads.connector import MetaAdsConnector
from apps.sources.connectors.metaads.samples import (
    SheetCell,
    both_sheets_xlsx_bytes,
    csv_bytes,
    report_xlsx_bytes,
    xlsx_bytes,
)
from apps.sources.connectors.metaads.tests.conftest import WriteFile
from apps.sources.connectors.metaads.tests.helpers import FIXTURES, parse_path
from apps.sources.connectors.registry import detect_source

HEADER: list[SheetCell] = [
    "Reporting starts",
    "Reporting ends",
    "Campaign name",
    "Amount spent (USD)",
]

FIXTURE_KINDS = [
    ("campaigns_summary_first_18_digit_ids.csv", "ads_manager_csv"),
    ("campaigns_daily_eur_no_fx_rate.csv", "ads_manager_csv"),
    ("campaigns_fr_excel_resave_semicolon_cp1252.csv", "ads_manager_csv"),
    ("campaigns_pt_locale_dates_idr.csv", "ads_manager_csv"),
    ("adsets_title_case_trailing_spaces_new_column.csv", "ads_manager_csv"),
    ("ads_es_scientific_notation_ids.csv", "ads_manager_csv"),
    ("insights_adset_daily_usd_page1.json", "api_insights"),
    ("insights_campaign_month_and_lifetime_reach.json", "api_insights"),
    ("entities_campaigns.json", "api_entities"),
    ("entities_adsets_minor_units_targeting.json", "api_entities"),
    ("entities_ads.json", "api_entities"),
]


@pytest.mark.parametrize(("name", "kind"), FIXTURE_KINDS)
def test_detect_source_names_metaads_from_content_alone(name: str, kind: str) -> None:
    # given the head of a recorded file
    head = (FIXTURES / name).read_bytes()[:SNIFF_HEAD_BYTES]

    # when every connector sniffs it under a misleading name
    matches = detect_source(head, "holiday_photo.png")

    # then Meta is the one match, with the file's kind
    assert matches == [("metaads", kind)]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(report_xlsx_bytes([HEADER]), id="raw-only"),
        pytest.param(report_xlsx_bytes([HEADER], sheet="Formatted Report"), id="formatted-only"),
        pytest.param(both_sheets_xlsx_bytes([HEADER], [HEADER]), id="both"),
    ],
)
def test_sniff_recognises_a_report_workbook_by_its_sheets(content: bytes) -> None:
    assert MetaAdsConnector().sniff(content[:SNIFF_HEAD_BYTES], "x.bin") == "ads_manager_xlsx"


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"", id="empty"),
        pytest.param(xlsx_bytes({"Sheet1": [["a"]]}), id="other-workbook"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", id="png"),
        pytest.param(b'"Date Inserted","Reporting Date","Sale Month"\n', id="distrokid"),
        pytest.param(b"date,listeners,streams,followers\n", id="s4a"),
        pytest.param(csv_bytes(["Reporting starts", "Campaign name"], []), id="no-spend"),
        pytest.param((FIXTURES / "api_error_token_expired.json").read_bytes(), id="api-error"),
        pytest.param(b'{"data": [{"name": "reach", "period": "day", "id": "1"}]}', id="ig"),
    ],
)
def test_sniff_refuses_other_content(head: bytes) -> None:
    assert MetaAdsConnector().sniff(head, "Campaigns.csv") is None


def test_sniff_misses_a_workbook_whose_sheet_list_is_past_the_head_but_parse_reads_it(
    write_file: WriteFile,
) -> None:
    # given a workbook whose sheet data (written before its sheet list) exceeds 64 KiB
    rng = random.Random(7)
    rows: list[list[SheetCell]] = [HEADER, ["2025-01-01", "2025-01-31", "", 0.0]]
    rows += [
        ["2025-01-01", "2025-01-31", f"C{n}", float(rng.randint(0, 10**6))] for n in range(6000)
    ]
    rows[1][3] = sum(float(row[3]) for row in rows[2:])  # type: ignore[arg-type]
    content = report_xlsx_bytes(rows)
    assert len(content) > SNIFF_HEAD_BYTES

    # when it is sniffed, then parsed with --source (no kind known)
    kind = MetaAdsConnector().sniff(content[:SNIFF_HEAD_BYTES], "report.xlsx")
    parsed = parse_path(write_file(content, "report.xlsx"))

    # then the sniff cannot tell, but the parser decides from the whole content
    assert kind is None
    assert (parsed.kind, parsed.rows_out) == ("ads_manager_xlsx", 6000)

"""Meta Ads files written on the fly: CSV and XLSX exports, API pages, and the demo set.

Tests and the demo loader build files here, so an XLSX never has to be stored as a binary
fixture and every layout quirk is produced the way Ads Manager or the Marketing API writes it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from apps.sources.connectors.metaads.xlsxfile import FORMATTED_SHEET, RAW_SHEET

SheetCell = str | int | float | date | datetime | None

# The title Ads Manager writes in A1 above an XLSX report's header.
XLSX_TITLE = "BEDROT ADS, Campaigns, Dec 10, 2022 - Dec 12, 2022"

EN_PERIOD_HEADER: tuple[str, ...] = (
    "Reporting starts",
    "Reporting ends",
    "Campaign name",
    "Campaign ID",
    "Campaign delivery",
    "Results",
    "Result indicator",
    "Reach",
    "Impressions",
    "Amount spent (USD)",
    "Link clicks",
    "Clicks (all)",
    "CTR (all)",
)


def csv_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    line_ending: str = "\n",
) -> bytes:
    """An export as Ads Manager (or an Excel re-save) writes it; fields quoted when needed."""
    lines = [_csv_line(header, delimiter), *(_csv_line(row, delimiter) for row in rows)]
    return (line_ending.join(lines) + line_ending).encode(encoding)


def _csv_line(cells: Sequence[str], delimiter: str) -> str:
    return delimiter.join(_quoted(cell, delimiter) for cell in cells)


def _quoted(cell: str, delimiter: str) -> str:
    if any(char in cell for char in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def xlsx_bytes(
    sheets: Mapping[str, Sequence[Sequence[SheetCell]]], *, title: str = XLSX_TITLE
) -> bytes:
    """A workbook like an Ads Manager XLSX: per sheet, the title in A1, then the header and the
    rows from row 2, starting in column B (column A stays empty)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    for index, (name, rows) in enumerate(sheets.items()):
        sheet = first if index == 0 else workbook.create_sheet()
        sheet.title = name
        sheet.cell(row=1, column=1, value=title)
        for row_number, row in enumerate(rows, start=2):
            for column_number, value in enumerate(row, start=2):
                if value is not None:
                    sheet.cell(row=row_number, column=column_number, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_xlsx_bytes(
    rows: Sequence[Sequence[SheetCell]], *, sheet: str = RAW_SHEET, title: str = XLSX_TITLE
) -> bytes:
    """One report sheet (`Raw Data Report` by default)."""
    return xlsx_bytes({sheet: rows}, title=title)


def both_sheets_xlsx_bytes(
    formatted: Sequence[Sequence[SheetCell]], raw: Sequence[Sequence[SheetCell]]
) -> bytes:
    """The two sheets Ads Manager writes, formatted first as in the real file."""
    return xlsx_bytes({FORMATTED_SHEET: formatted, RAW_SHEET: raw})


def api_page_bytes(rows: Sequence[Mapping[str, object]], *, after: str = "") -> bytes:
    """One saved Marketing API response page, with the `paging` block the parser ignores."""
    paging: dict[str, object] = {"cursors": {"before": "MAZDZD", "after": after or "MjQZD"}}
    if after:
        paging["next"] = f"https://graph.facebook.com/v19.0/act_1/insights?after={after}"
    return json.dumps({"data": list(rows), "paging": paging}, ensure_ascii=False).encode()


def insight_row(
    *,
    day: str,
    campaign_id: str,
    campaign_name: str,
    spend: str,
    adset_id: str = "",
    adset_name: str = "",
    currency: str = "USD",
    **metrics: object,
) -> dict[str, object]:
    """A `level=adset`, `time_increment=1` insight row: every metric a string."""
    row: dict[str, object] = {
        "account_currency": currency,
        "campaign_id": campaign_id,
        "campaign_name": campaign_name,
    }
    if adset_id:
        row.update(adset_id=adset_id, adset_name=adset_name)
    row.update(spend=spend, **metrics, date_start=day, date_stop=day)
    return row


# Demo ids: 18 digits, as Meta issues them since 2023.
DEMO_CAMPAIGNS: tuple[tuple[str, str], ...] = (
    ("120210987654321001", "ZONE A0 - THE SCALE - STREAMING"),
    ("120210987654321002", "ZONE A0 - THE SCALE - STREAMING - Copy"),
    ("120210987654321003", "PIG1987 - MUD SEASON - Copy 2"),
)


def demo_files() -> dict[str, bytes]:
    """The demo's Meta files (SPEC 3.6): a summary row first, 18-digit ids, "- Copy" names."""
    spends = ("41.27", "12.50", "8.03")
    rows = [
        ["2025-07-01", "2025-07-31", campaign_name, campaign_id, "completed", "310", "Link clicks",
         "5120", "9633", spend, "310", "402", "4.173155"]
        for (campaign_id, campaign_name), spend in zip(DEMO_CAMPAIGNS, spends, strict=True)
    ]  # fmt: skip
    summary = ["2025-07-01", "2025-07-31", "", "", "0", "", "", "15360", "28899", "61.80", "930",
               "1206", "4.173155"]  # fmt: skip
    insights = [
        insight_row(
            day="2025-08-0" + str(day),
            campaign_id=campaign_id,
            campaign_name=campaign_name,
            adset_id=campaign_id[:-3] + "9" + campaign_id[-2:],
            adset_name="US 18-34",
            spend=f"{day + index}.{day}1",
            impressions=str(900 + day),
            reach=str(700 + day),
            clicks="31",
            ctr="3.4",
            actions=[{"action_type": "link_click", "value": "27"}],
        )
        for day in (1, 2, 3)
        for index, (campaign_id, campaign_name) in enumerate(DEMO_CAMPAIGNS[:2])
    ]
    return {
        "BEDROT-ADS-Campaigns-Jul-1-2025-Jul-31-2025.csv": csv_bytes(
            EN_PERIOD_HEADER, [summary, *rows]
        ),
        "meta_insights_2025-08-03.json": api_page_bytes(insights),
    }

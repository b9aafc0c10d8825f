"""R20: both CSV writers (the pages' table export and the API's ?format=csv renderer) escape
every text cell a spreadsheet would run as a formula, and keep numbers numeric."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from apps.kpis.renderers import KpiCsvRenderer
from apps.kpis.tables import Column, Kind, Table, csv_response

# One text cell per dangerous first character of SPEC 7 R20.
DANGEROUS = [
    '=HYPERLINK("http://x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTab lead",
    "\rCR lead",
    "\0NUL lead",
]
NUMBERS = [Decimal("-12.50"), Decimal("0"), Decimal("-0.0001"), Decimal("1234567.89")]


def _read(payload: bytes) -> list[list[str]]:
    text = payload.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_page_csv_export_escapes_every_formula_lead_and_keeps_numbers() -> None:
    table = Table(
        name="probe",
        title="Probe",
        columns=[Column("label", "Label"), Column("amount", "Amount", kind=Kind.MONEY)],
        rows=[
            {"label": label, "amount": number}
            for label, number in zip(DANGEROUS, NUMBERS * 2, strict=False)
        ],
    )

    rows = _read(csv_response(table, filename="probe.csv").content)[1:]

    escaped = [row[0] for index, row in enumerate(rows) if row[0] == "'" + DANGEROUS[index]]
    numbers = [Decimal(row[1]) for row in rows]
    assert len(escaped) == len(DANGEROUS) == 7
    assert numbers == (NUMBERS * 2)[:7]


def test_api_csv_renderer_escapes_every_formula_lead_and_keeps_numbers() -> None:
    data = {
        "results": [
            {"name": label, "net": number, "streams": -index, "share": -index / 4}
            for index, (label, number) in enumerate(
                zip(DANGEROUS, NUMBERS * 2, strict=False), start=1
            )
        ]
    }

    rows = _read(KpiCsvRenderer().render(data))

    header, body = rows[0], rows[1:]
    assert header == ["name", "net", "streams", "share"]
    escaped = [row[0] for index, row in enumerate(body) if row[0] == "'" + DANGEROUS[index]]
    assert len(escaped) == 7
    # numbers, negative ones included, are written unescaped and read back equal
    assert [Decimal(row[1]) for row in body] == (NUMBERS * 2)[:7]
    assert [int(row[2]) for row in body] == [-1, -2, -3, -4, -5, -6, -7]
    assert [float(row[3]) for row in body] == [-0.25, -0.5, -0.75, -1.0, -1.25, -1.5, -1.75]

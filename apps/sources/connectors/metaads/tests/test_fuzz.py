"""Arbitrary input ends as a valid parsed file or a FileRejected, never as another exception."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile
from apps.sources.connectors.metaads.connector import MetaAdsConnector
from apps.sources.connectors.metaads.samples import EN_PERIOD_HEADER, SheetCell, report_xlsx_bytes
from apps.sources.connectors.metaads.tests.helpers import parse_path
from apps.sources.datasets_meta import meta_datasets

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCHEMAS = {spec.name: spec.schema for spec in meta_datasets()}

# Bytes and cells that steer the export parser: separators, quotes, decimals, dates, ids.
_CSV_PIECES = st.sampled_from(
    [",", ";", "\t", '"', "\r\n", "\n", "-", ".", "0", "7", "1,5", "2022-12-10", "10 déc. 2022",
     "1.20253E+17", "120212345678901234", "Ongoing", "All", "", " ", "\u00a0", "%"]
)  # fmt: skip
_CELL_TEXT = st.one_of(_CSV_PIECES, st.text(max_size=8))
# openpyxl refuses control characters, so a workbook can never hold them.
_SHEET_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=8)
_SHEET_CELL: st.SearchStrategy[SheetCell] = st.one_of(
    st.none(),
    _CSV_PIECES,
    _SHEET_TEXT,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
)
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _CELL_TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_CELL_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
_INSIGHT_KEYS = st.sampled_from(
    ["account_currency", "campaign_id", "campaign_name", "adset_id", "ad_id", "spend", "reach",
     "impressions", "clicks", "ctr", "frequency", "actions", "results", "date_start", "date_stop"]
)  # fmt: skip
_ENTITY_KEYS = st.sampled_from(
    ["id", "campaign_id", "adset_id", "name", "daily_budget", "lifetime_budget", "currency",
     "targeting", "created_time", "start_time", "status", "account_id"]
)  # fmt: skip


def _check(parsed: ParsedFile) -> None:
    """The invariants of any parsed file: dataset schemas, and every row accounted for."""
    for name, table in parsed.tables.items():
        assert table.schema.equals(SCHEMAS[name]), name
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert sum(table.num_rows for table in parsed.tables.values()) == parsed.rows_out


def _outcome(content: bytes, name: str = "upload.bin") -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            parsed = parse_path(path)
        except FileRejected as rejected:
            event("rejected")
            return "rejected" if rejected.message else "rejected without a reason"
    _check(parsed)
    event("parsed")
    return "parsed"


@FUZZ
@given(content=st.binary(max_size=2048))
def test_parse_never_fails_on_arbitrary_bytes(content: bytes) -> None:
    # given any bytes (CSV path); when parsed; then a valid result or a FileRejected
    assert _outcome(content) in {"parsed", "rejected"}


@FUZZ
@given(
    rows=st.lists(st.lists(_CELL_TEXT, min_size=0, max_size=15), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_parse_csv_never_fails_on_any_cells_under_a_real_header(
    rows: list[list[str]], delimiter: str
) -> None:
    # given the EN header and rows of arbitrary cells; when parsed; then no crash
    lines = [delimiter.join(EN_PERIOD_HEADER), *(delimiter.join(row) for row in rows)]
    assert _outcome("\n".join(lines).encode("utf-8")) in {"parsed", "rejected"}


@FUZZ
@given(content=st.binary(max_size=2048))
def test_parse_xlsx_never_fails_on_arbitrary_zip_like_bytes(content: bytes) -> None:
    # given bytes that start like a zip; when parsed; then a FileRejected (or, never, a crash)
    assert _outcome(b"PK\x03\x04" + content, "report.xlsx") in {"parsed", "rejected"}


@FUZZ
@given(rows=st.lists(st.lists(_SHEET_CELL, max_size=14), max_size=6))
def test_parse_xlsx_never_fails_on_any_cells_under_a_real_header(
    rows: list[list[SheetCell]],
) -> None:
    # given a real workbook with arbitrary typed cells under the header; when parsed; no crash
    content = report_xlsx_bytes([list(EN_PERIOD_HEADER), *rows])
    assert _outcome(content, "report.xlsx") in {"parsed", "rejected"}


@FUZZ
@given(
    rows=st.lists(st.one_of(_JSON, st.dictionaries(_INSIGHT_KEYS, _JSON, max_size=8)), max_size=6)
)
def test_parse_insights_never_fails_on_any_json_rows(rows: list[object]) -> None:
    # given a page whose rows hold arbitrary JSON under insight field names; no crash
    content = json.dumps({"data": rows}).encode()
    assert _outcome(content, "insights.json") in {"parsed", "rejected"}


@FUZZ
@given(rows=st.lists(st.dictionaries(_ENTITY_KEYS, _JSON, max_size=8), max_size=6))
def test_parse_entities_never_fails_on_any_json_objects(rows: list[object]) -> None:
    # given a page of objects with arbitrary values under entity field names; no crash
    content = json.dumps({"data": rows}).encode()
    assert _outcome(content, "entities.json") in {"parsed", "rejected"}


@FUZZ
@given(head=st.binary(max_size=4096))
def test_sniff_never_fails_on_arbitrary_bytes(head: bytes) -> None:
    kinds = {None, "ads_manager_csv", "ads_manager_xlsx", "api_insights", "api_entities"}
    assert MetaAdsConnector().sniff(head, "x.csv") in kinds
    assert MetaAdsConnector().sniff(b"PK\x03\x04" + head, "x.xlsx") in kinds

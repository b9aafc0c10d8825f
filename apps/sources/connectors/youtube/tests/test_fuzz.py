"""Arbitrary bytes, result tables and zips end in FileRejected or a valid ParsedFile, never in
another exception (R14)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.youtube.connector import YouTubeConnector
from apps.sources.connectors.youtube.tests.helpers import zip_bytes

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        ["2025-03-01", "2025-02-30", "dQ4wZ0neA0x", "1,024", "UCq3zF0neA0bedrotZ9x1w7Q"]
    ),
)
NAMES = st.sampled_from(["day", "video", "views", "engagedViews", "likes", "country", "x"])
HEADER = st.one_of(
    SCALARS,
    st.fixed_dictionaries(
        {"name": st.one_of(NAMES, SCALARS)},
        optional={"columnType": st.sampled_from(["DIMENSION", "METRIC", 3])},
    ),
)
TABLE = st.fixed_dictionaries(
    {"columnHeaders": st.lists(HEADER, max_size=4)},
    optional={
        "kind": st.sampled_from(["youtubeAnalytics#resultTable", "other"]),
        "rows": st.one_of(SCALARS, st.lists(st.one_of(SCALARS, st.lists(SCALARS, max_size=4)))),
    },
)
REQUEST = st.fixed_dictionaries(
    {},
    optional={
        key: st.one_of(SCALARS, st.sampled_from(["2025-03-01", "2025-03-09", "1900-01-01"]))
        for key in ("startDate", "endDate", "channelId", "ids", "filters", "fetchedAt")
    },
)
DOCUMENT = st.one_of(TABLE, st.fixed_dictionaries({"request": REQUEST, "response": TABLE}))
JSON_CONTENT = st.one_of(
    st.binary(max_size=300),
    DOCUMENT.map(lambda document: json.dumps(document).encode("utf-8")),
    DOCUMENT.map(lambda document: json.dumps(document).encode("utf-8")[:-5]),
)
CSV_TEXT = st.lists(
    st.lists(
        st.one_of(
            st.sampled_from(["Content", "Views", "Total", "Date", "Duration", "Mar 5, 2024", "-1"]),
            st.text(max_size=8),
        ),
        max_size=5,
    ),
    max_size=6,
).map(lambda lines: "\n".join(",".join(cells) for cells in lines))
ENTRY_BYTES = st.one_of(
    st.binary(max_size=200),
    st.tuples(CSV_TEXT, st.sampled_from(["utf-8", "utf-16", "cp1252"])).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")
    ),
)
ZIP_CONTENT = st.one_of(
    st.dictionaries(
        st.sampled_from(["Table data.csv", "Totals.csv", "Chart data.csv", "x/Table data.csv"]),
        ENTRY_BYTES,
        max_size=3,
    ).map(zip_bytes),
    st.binary(max_size=200).map(lambda tail: b"PK\x03\x04" + tail),
)


def _parse(content: bytes, name: str, account: str) -> ParsedFile | None:
    connector = YouTubeConnector()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(content)
        payload = Payload(
            path=path,
            original_name=name,
            account=account,
            kind=connector.sniff(content, name) or "",
            captured_at=datetime(2025, 3, 10, tzinfo=UTC),
        )
        try:
            return connector.parse(payload)
        except FileRejected:
            return None


def _check(parsed: ParsedFile | None) -> None:
    if parsed is None:
        return
    assert isinstance(parsed, ParsedFile)
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert all(table.num_rows <= parsed.rows_out for table in parsed.tables.values())


@settings(max_examples=200, deadline=None)
@given(content=JSON_CONTENT, account=st.sampled_from(["", "zonea0"]))
def test_youtube_api_report_parse_never_raises_anything_but_file_rejected(
    content: bytes, account: str
) -> None:
    _check(_parse(content, "report.json", account))


@settings(max_examples=200, deadline=None)
@given(content=ZIP_CONTENT)
def test_youtube_studio_zip_parse_never_raises_anything_but_file_rejected(content: bytes) -> None:
    _check(_parse(content, "Content 2025-03-01_2025-03-03 ZONE A0.zip", "zonea0"))


@settings(max_examples=200, deadline=None)
@given(head=st.one_of(JSON_CONTENT, ZIP_CONTENT))
def test_youtube_sniff_never_raises(head: bytes) -> None:
    assert YouTubeConnector().sniff(head, "x") in {None, "api_report", "studio_zip"}

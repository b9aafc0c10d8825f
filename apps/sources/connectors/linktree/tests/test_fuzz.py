"""Arbitrary bytes end in FileRejected or a valid ParsedFile, never in another exception."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.linktree.connector import LinktreeConnector

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2025-05-21", "1,024", "1.5", "-3"]),
)
FIELDS = st.sampled_from(
    [
        "totalViews",
        "totalClicks",
        "uniqueViews",
        "uniqueClicks",
        "clickThroughRate",
        "date",
        "id",
        "clicks",
        "views",
        "name",
        "countryCode",
    ]
)
ENTRY = st.one_of(
    SCALARS,
    st.dictionaries(FIELDS, st.one_of(SCALARS, st.fixed_dictionaries({"total": SCALARS}))),
)
ANALYTICS = st.fixed_dictionaries(
    {},
    optional={
        "overview": st.fixed_dictionaries(
            {"timeseries": st.lists(ENTRY, max_size=5)},
            optional={"totalViews": SCALARS, "clickThroughBenchmark": SCALARS},
        ),
        "links": st.lists(ENTRY, max_size=4),
        "locations": st.fixed_dictionaries(
            {"countries": st.lists(ENTRY, max_size=4), "cities": st.lists(ENTRY, max_size=4)}
        ),
        "referrers": st.fixed_dictionaries({"referrers": st.lists(ENTRY, max_size=4)}),
        "devices": st.one_of(SCALARS, st.fixed_dictionaries({"devices": st.lists(ENTRY)})),
    },
)
RESPONSE = st.fixed_dictionaries(
    {"data": st.fixed_dictionaries({"getAccountAnalytics": ANALYTICS})}
)
DOCUMENTS = st.one_of(RESPONSE, st.lists(st.one_of(RESPONSE, SCALARS), max_size=3))
CONTENT = st.one_of(
    st.binary(max_size=400),
    DOCUMENTS.map(lambda document: json.dumps(document).encode("utf-8")),
    DOCUMENTS.map(lambda document: json.dumps(document).encode("utf-8")[:-7]),
)


@settings(max_examples=200, deadline=None)
@given(content=CONTENT)
def test_linktree_parse_never_raises_anything_but_file_rejected(content: bytes) -> None:
    connector = LinktreeConnector()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "payload.json"
        path.write_bytes(content)
        payload = Payload(
            path=path,
            original_name="payload.json",
            kind=connector.sniff(content, "payload.json") or "",
            captured_at=datetime(2025, 5, 27, tzinfo=UTC),
        )
        try:
            parsed = connector.parse(payload)
        except FileRejected:
            return
    assert isinstance(parsed, ParsedFile)
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert all(table.num_rows <= parsed.rows_out for table in parsed.tables.values())


@settings(max_examples=200, deadline=None)
@given(head=CONTENT)
def test_linktree_sniff_never_raises(head: bytes) -> None:
    assert LinktreeConnector().sniff(head, "x.json") in {None, "analytics"}

"""Arbitrary bytes and header-shaped CSVs end in FileRejected or a valid ParsedFile, never in
another exception (R14)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.submithub.connector import SubmitHubConnector

HEADERS = st.sampled_from(
    [
        "Date",
        "Artist",
        "Track",
        "Outlet",
        "Curator",
        "Status",
        "Listens",
        "Credits",
        "Cost (USD)",
        "ID",
        "utm_source",
        "Opened",
        "Clicked",
        "Feedback",
    ]
)
CELLS = st.one_of(
    st.sampled_from(
        ["3/2/2025", "2025-03-02", "approved", "Expired", "$1.60", "-1", "1.23E+5", "", '"']
    ),
    st.text(max_size=8),
)
CSV_TEXT = st.tuples(
    st.lists(HEADERS, min_size=1, max_size=9),
    st.lists(st.lists(CELLS, max_size=10), max_size=6),
    st.sampled_from([",", ";", "\t"]),
).map(lambda parts: "\n".join(parts[2].join(cells) for cells in [parts[0], *parts[1]]))
CONTENT = st.one_of(
    st.binary(max_size=300),
    st.tuples(CSV_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")
    ),
)


@settings(max_examples=200, deadline=None)
@given(content=CONTENT)
def test_submithub_parse_never_raises_anything_but_file_rejected(content: bytes) -> None:
    connector = SubmitHubConnector()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.csv"
        path.write_bytes(content)
        payload = Payload(
            path=path,
            original_name="export.csv",
            kind=connector.sniff(content, "export.csv") or "",
            captured_at=datetime(2025, 3, 10, tzinfo=UTC),
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
def test_submithub_sniff_never_raises(head: bytes) -> None:
    assert SubmitHubConnector().sniff(head, "x.csv") in {None, "submissions", "link_analytics"}

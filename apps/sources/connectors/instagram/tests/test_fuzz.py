"""Arbitrary input ends as a parsed file or a FileRejected, never as another exception (R14)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, Payload
from apps.sources.connectors.instagram.connector import InstagramConnector
from apps.sources.connectors.instagram.parse import parse_instagram
from apps.sources.datasets import DATASETS

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = {None, "api_insights", "api_profile", "business_suite_csv"}


def _outcome(content: bytes, account: str = "zonea0") -> str:
    """Parse `content` from a real file; check the invariants of whatever comes back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        payload = Payload(
            path=path,
            original_name="upload",
            account=account,
            captured_at=datetime(2026, 5, 1, tzinfo=UTC),
        )
        try:
            parsed = parse_instagram(payload)
        except FileRejected as rejected:
            event("rejected")
            return "rejected" if rejected.message else "rejected without a reason"
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    for name, table in parsed.tables.items():
        assert table.schema.equals(DATASETS[name].schema)
    event("parsed")
    return "parsed"


@FUZZ
@given(content=st.binary(max_size=2048))
def test_parse_never_fails_on_arbitrary_bytes(content: bytes) -> None:
    # given any bytes; when parsed; then a result or a FileRejected
    assert _outcome(content) in {"parsed", "rejected"}


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=25)
_KEYS = st.sampled_from(
    [
        "data",
        "name",
        "period",
        "values",
        "value",
        "end_time",
        "total_value",
        "id",
        "error",
        "followers_count",
        "follows_count",
        "media_count",
        "username",
    ]
)
_JSON = st.recursive(
    _SCALARS
    | st.sampled_from(
        [
            "day",
            "week",
            "2026-05-11T07:00:00+0000",
            "2026-05-11T07:00:00",
            "reach",
            "1/insights/reach/day",
        ]
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=6),
    max_leaves=20,
)


@FUZZ
@given(document=_JSON)
def test_parse_never_fails_on_graph_shaped_json(document: object) -> None:
    # given JSON built from Graph's keys and values
    # when parsed; then a result or a rejection
    assert _outcome(json.dumps(document).encode()) in {"parsed", "rejected"}


@FUZZ
@given(
    title=st.text(max_size=20),
    lines=st.lists(
        st.tuples(
            st.sampled_from(["2026-05-10T00:00:00", "2026-02-30", "", "x"]), st.text(max_size=6)
        ),
        max_size=10,
    ),
    encoding=st.sampled_from(["utf-16-le", "utf-8"]),
)
def test_parse_never_fails_on_business_suite_shaped_text(
    title: str, lines: list[tuple[str, str]], encoding: str
) -> None:
    # given a Business Suite layout with arbitrary title and cells
    body = ["sep=,", title, '"Date","Primary"', *(f'"{day}","{value}"' for day, value in lines)]
    text = "\r\n".join(body)
    content = (b"\xff\xfe" if encoding == "utf-16-le" else b"") + text.encode(
        encoding, "surrogatepass"
    )
    # when parsed; then a result or a rejection
    assert _outcome(content) in {"parsed", "rejected"}


@FUZZ
@given(head=st.binary(max_size=4096))
def test_sniff_never_fails_on_arbitrary_bytes(head: bytes) -> None:
    # given any head; when sniffed; then a kind or None
    assert InstagramConnector().sniff(head, "x") in KINDS

"""Arbitrary input ends as a parsed file or a FileRejected, never as another exception (R14)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, Payload
from apps.sources.connectors.tiktok import samples
from apps.sources.connectors.tiktok.connector import TikTokConnector
from apps.sources.connectors.tiktok.parse import parse_tiktok
from apps.sources.datasets import DATASETS

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME = "Overview_2026-01-03_1767400000_zone.a0.zip"
HEADERS = [
    samples.LEGACY_OVERVIEW_HEADER,
    samples.PORTUGUESE_OVERVIEW_HEADER,
    samples.STUDIO_OVERVIEW_HEADER,
    samples.STUDIO_CONTENT_HEADER,
    "Date,New followers,Total followers,Engaged audience",
]
# Pieces that make the parser's decisions: separators, quotes, line breaks, dates, nulls.
_PIECES = st.sampled_from(
    [
        ",",
        '"',
        "\r\n",
        "\n",
        "-",
        "7",
        "undefined",
        "NaN",
        "December 30",
        "30 de dezembro",
        "February 29",
        "2026/05/04",
        "2026/05/04 18:30",
        "41%",
        "\ufeff",
        "é",
        " ",
    ]
)
_BODY = st.lists(st.one_of(_PIECES, st.text(max_size=6)), max_size=80).map("".join)


def _outcome(content: bytes, name: str = NAME, account: str = "") -> str:
    """Parse `content` from a real file; check the invariants of whatever comes back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(content)
        payload = Payload(
            path=path,
            original_name=name,
            account=account,
            captured_at=datetime(2026, 1, 3, tzinfo=UTC),
        )
        try:
            parsed = parse_tiktok(payload)
        except FileRejected as rejected:
            event("rejected")
            return "rejected" if rejected.message else "rejected without a reason"
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    for name_, table in parsed.tables.items():
        assert table.schema.equals(DATASETS[name_].schema)
    event("parsed")
    return "parsed"


@FUZZ
@given(content=st.binary(max_size=2048))
def test_parse_never_fails_on_arbitrary_bytes(content: bytes) -> None:
    # given any bytes; when parsed; then a result or a FileRejected
    assert _outcome(content) in {"parsed", "rejected"}


@FUZZ
@given(header=st.sampled_from(HEADERS), body=_BODY, bom=st.booleans())
def test_parse_never_fails_on_garbage_after_a_real_header(
    header: str, body: str, bom: bool
) -> None:
    # given a real TikTok header followed by arbitrary text
    content = ("\ufeff" if bom else "") + header + "\n" + body
    # when parsed; then a result or a rejection
    assert _outcome(content.encode("utf-8"), name="upload.csv", account="zonea0") in {
        "parsed",
        "rejected",
    }


@FUZZ
@given(
    entries=st.dictionaries(
        st.sampled_from(
            [
                "Overview.csv",
                "FollowerHistory.csv",
                "Viewers.csv",
                "FollowerGender.csv",
                "FollowerTopTerritories.csv",
                "x/../y.csv",
            ]
        ),
        st.one_of(st.binary(max_size=200), _BODY.map(str.encode)),
        max_size=5,
    )
)
def test_parse_never_fails_on_zips_of_arbitrary_entries(entries: dict[str, bytes]) -> None:
    # given a zip of TikTok entry names holding arbitrary bytes
    # when parsed; then a result or a rejection
    assert _outcome(samples.zip_bytes(entries)) in {"parsed", "rejected"}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["count", "source_url", "timestamp", "artist", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@FUZZ
@given(document=_JSON)
def test_parse_never_fails_on_arbitrary_json(document: object) -> None:
    # given any JSON value, often with the snapshot's keys
    content = json.dumps(document).encode()
    # when parsed; then a result or a rejection
    assert _outcome(content, name="snapshot.json", account="") in {"parsed", "rejected"}


@FUZZ
@given(head=st.binary(max_size=4096))
def test_sniff_never_fails_on_arbitrary_bytes(head: bytes) -> None:
    # given any head; when sniffed; then a kind or None
    kinds = {
        None,
        "legacy_zip",
        "legacy_csv",
        "studio_overview",
        "studio_content",
        "studio_followers",
        "follower_snapshot",
    }
    assert TikTokConnector().sniff(head, NAME) in kinds

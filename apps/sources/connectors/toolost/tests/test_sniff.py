"""Recognising TooLost files by content, and only TooLost files (SPEC 2.0 and 2.2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apps.sources.connectors.base import SNIFF_HEAD_BYTES
from apps.sources.connectors.registry import detect_source
from apps.sources.connectors.toolost.connector import TooLostConnector
from apps.sources.connectors.toolost.samples import apple_analytics_bytes
from apps.sources.connectors.toolost.sniff import sniff_kind

PathOf = Callable[[str], Path]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("analytics_spotify_unsorted_strings.json", "analytics_spotify"),
        ("analytics_apple.json", "analytics_apple"),
        ("analytics_apple_total_mismatch.json", "analytics_apple"),
        ("sales_report_guessed_layout.csv", "sales_report"),
        ("sales_report_semicolon_gross_minus_fee.csv", "sales_report"),
    ],
)
def test_detect_source_names_toolost_alone_for_each_capture(
    fixture_path: PathOf, name: str, kind: str
) -> None:
    # the file name plays no part: the content alone names the source and the kind
    head = fixture_path(name).read_bytes()[:SNIFF_HEAD_BYTES]
    assert detect_source(head, "upload.bin") == [("toolost", kind)]


def test_sniff_kind_reads_an_apple_response_cut_before_its_stream_total() -> None:
    # given an Apple response longer than the sniffed head, streamTotal beyond the cut
    body = json.loads(apple_analytics_bytes(through=date(2025, 12, 31), seed=3))
    body["tracksTotal"] = body["tracksTotal"] * 200
    content = json.dumps(body).encode()
    assert len(content) > SNIFF_HEAD_BYTES

    # then totalStreams + tracksTotal in the head are enough
    assert sniff_kind(content[:SNIFF_HEAD_BYTES]) == "analytics_apple"
    # and a short file still needs its streamTotal
    assert sniff_kind(b'{"totalStreams": [], "tracksTotal": []}') is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b'{"streams": []}',
        b'{"totalStreams": []}',
        b'{"streams": [], "discovery": [], "totalStreams": [], "streamTotal": 0}',
        b'[{"streams": [], "discovery": []}]',
        b"\x89PNG\r\n\x1a\n",
        b"Date,Platform Name,Song Name,Plays,Payout\n",
        b'{"data": {"getAccountAnalytics": {}}}',
    ],
)
def test_sniff_kind_claims_nothing_else(content: bytes) -> None:
    assert TooLostConnector().sniff(content, "analytics_spotify.json") is None

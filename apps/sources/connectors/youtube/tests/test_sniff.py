"""YouTube content signatures (SPEC 2.0): the content decides, never the name."""

from __future__ import annotations

import pytest

from apps.sources.connectors.youtube.connector import YouTubeConnector
from apps.sources.connectors.youtube.tests.helpers import FIXTURES, zip_bytes


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        ((FIXTURES / "day_and_video_rows_top_videos.json").read_bytes(), "api_report"),
        ((FIXTURES / "bare_result_table_without_rows.json").read_bytes(), "api_report"),
        (zip_bytes({"Chart data.csv": b"Date\n", "Table data.csv": b"Content\n"}), "studio_zip"),
        (zip_bytes({"content/TABLE DATA.CSV": b"Content\n"}), "studio_zip"),
        (zip_bytes({"Overview.csv": b"Date,Video Views\n"}), None),
        (zip_bytes({"Totals.csv": b"Date,Views\n"}), None),
        ((FIXTURES / "studio_table_total_row_then_three_videos.csv").read_bytes(), None),
        (b'{"kind": "youtube#videoListResponse"}', None),
        (b"", None),
    ],
)
def test_youtube_sniff_recognises_content(head: bytes, kind: str | None) -> None:
    # the name claims nothing: every case uses the same misleading one
    assert YouTubeConnector().sniff(head, "Table data.csv.json") == kind


def test_youtube_requires_an_account() -> None:
    assert YouTubeConnector().requires_account() is True

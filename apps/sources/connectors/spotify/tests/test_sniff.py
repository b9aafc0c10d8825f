"""The content decides the source and kind (SPEC 2.0); the file name never does."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.sources.connectors.registry import detect_source
from apps.sources.connectors.spotify.tests.helpers import FIXTURES

WAREHOUSE_FIXTURES = Path(__file__).parents[4] / "warehouse" / "tests" / "fixtures"
LINKTREE_FIXTURES = Path(__file__).parents[2] / "linktree" / "tests" / "fixtures"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("audience_timeline_four_columns.csv", "audience_timeline"),
        ("audience_timeline_with_playlist_adds_and_saves.csv", "audience_timeline"),
        ("titles_with_question_mark_and_slash-songs-28day.csv", "songs_summary"),
        ("Quoted Thousands-timeline.csv", "song_timeline"),
        ("French Header On Line Two-timeline.csv", "song_timeline"),
        ("Title Case Header-timeline.csv", "song_timeline"),
        ("songs_api_wrapped_time-filter=28day.json", "songs_api"),
        ("songs_api_bare_songs_list_time-filter=7day.json", "songs_api"),
    ],
)
def test_detect_source_recognises_each_s4a_kind_by_content_alone(name: str, kind: str) -> None:
    content = (FIXTURES / name).read_bytes()
    assert detect_source(content, name) == [("spotify", kind)]
    # the same bytes under a meaningless name are recognised just the same
    assert detect_source(content, "upload.bin") == [("spotify", kind)]


@pytest.mark.parametrize(
    "content",
    [
        b"date,streams,views\n2025-01-01,1,2\n",
        b"Date,Platform,Streams\n2025-01-01,Spotify,4\n",
        b'{"streams":[{"date":"2025-01-01","streams":"4"}]}',
        b"song,streams\nA,1\n",
    ],
)
def test_detect_source_leaves_lookalike_files_to_others(content: bytes) -> None:
    sources = {source for source, _ in detect_source(content, "zonea0-songs-28day.csv")}
    assert "spotify" not in sources


def test_detect_source_does_not_claim_distrokid_or_linktree_files() -> None:
    statement = (WAREHOUSE_FIXTURES / "dk_current_small.tsv").read_bytes()
    capture = (LINKTREE_FIXTURES / "overview_ctr_above_one_and_missing_ctr.json").read_bytes()
    assert {source for source, _ in detect_source(statement, "x.csv")} == {"distrokid"}
    assert {source for source, _ in detect_source(capture, "x.json")} == {"linktree"}

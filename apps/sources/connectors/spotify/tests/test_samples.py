"""The generated S4A samples are recognised and parse cleanly, quirks included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from apps.sources.connectors.spotify.connector import SpotifyConnector
from apps.sources.connectors.spotify.samples import (
    audience_timeline_csv,
    demo_spotify_files,
    songs_summary_csv,
)
from apps.sources.connectors.spotify.tests.helpers import parse_path


def test_samples_are_deterministic() -> None:
    first = audience_timeline_csv(first_day=date(2025, 1, 1), days=5, seed=3)
    assert first == audience_timeline_csv(first_day=date(2025, 1, 1), days=5, seed=3)
    assert first != audience_timeline_csv(first_day=date(2025, 1, 1), days=5, seed=4)


def test_songs_summary_sample_starts_with_the_artist_total() -> None:
    lines = songs_summary_csv(account="zonea0", window="all").decode("utf-8").splitlines()
    assert lines[1].startswith("ZONE A0,0,")


def test_demo_spotify_files_are_sniffed_and_parse_with_only_aggregate_rejections(
    tmp_path: Path,
) -> None:
    connector = SpotifyConnector()
    for account, name, content in demo_spotify_files():
        path = tmp_path / name
        path.write_bytes(content)
        kind = connector.sniff(content, name)
        parsed = parse_path(path, account=account, original_name=name)
        assert (kind, parsed.kind, parsed.account) == (parsed.kind, kind, account)
        assert {error.code for error in parsed.rejections} <= {"aggregate_row"}
        assert parsed.rows_out > 0

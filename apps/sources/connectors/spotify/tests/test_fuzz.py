"""Arbitrary bytes end in FileRejected or a valid ParsedFile, never in another exception."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.spotify.connector import SpotifyConnector

AUDIENCE_HEADER = b"date,listeners,streams,followers,playlist adds,saves\n"
SONGS_HEADER = b"song,listeners,streams,saves,release_date\n"
TIMELINE_HEADER = b"Date,Streams\n"
SONGS_JSON = b'{"data":{"songs":[{"trackName":"T","numStreams":"1,0'

# Half the examples start like a real export, so the fuzzing reaches the row parsers too.
CONTENT = st.one_of(
    st.binary(max_size=400),
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from([AUDIENCE_HEADER, SONGS_HEADER, TIMELINE_HEADER, SONGS_JSON]),
        st.binary(max_size=400),
    ),
    st.builds(
        lambda prefix, rest: prefix + rest.encode("utf-8"),
        st.sampled_from([AUDIENCE_HEADER, SONGS_HEADER, TIMELINE_HEADER, SONGS_JSON]),
        st.text(alphabet='0123456789,-"\n\r :TZé/?', max_size=300),
    ),
)
NAMES = st.sampled_from(
    ["zonea0-songs-28day.csv", "Song-timeline.csv", "x.json", "time-filter=all.json", ""]
)


@settings(max_examples=200, deadline=None)
@given(content=CONTENT, name=NAMES, account=st.sampled_from(["", "zonea0", "pig1987"]))
def test_spotify_parse_never_raises_anything_but_file_rejected(
    content: bytes, name: str, account: str
) -> None:
    connector = SpotifyConnector()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "payload"
        path.write_bytes(content)
        kind = connector.sniff(content, name) or ""
        payload = Payload(
            path=path,
            original_name=name,
            account=account,
            kind=kind,
            captured_at=datetime(2025, 3, 1, tzinfo=UTC),
        )
        try:
            parsed = connector.parse(payload)
        except FileRejected:
            return
    assert isinstance(parsed, ParsedFile)
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert all(table.num_rows <= parsed.rows_out for table in parsed.tables.values())


@settings(max_examples=200, deadline=None)
@given(head=st.one_of(st.binary(max_size=600), CONTENT))
def test_spotify_sniff_never_raises(head: bytes) -> None:
    assert SpotifyConnector().sniff(head, "x.csv") in {
        None,
        "audience_timeline",
        "songs_summary",
        "song_timeline",
        "songs_api",
    }

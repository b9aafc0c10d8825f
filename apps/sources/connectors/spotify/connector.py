"""Spotify for Artists: one account per artist; audience and song figures (SPEC 2.3)."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import (
    SNIFF_HEAD_BYTES,
    Connector,
    FileRejected,
    ParsedFile,
    Payload,
)
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION, text_key
from apps.sources.connectors.spotify.accounts import resolve_account
from apps.sources.connectors.spotify.layouts import KIND_SONG_TIMELINE
from apps.sources.connectors.spotify.names import artist_ids_in_name, song_title_from_name
from apps.sources.connectors.spotify.parse import parse_csv
from apps.sources.connectors.spotify.sniff import sniff_kind
from apps.sources.connectors.spotify.songs_api import parse_songs_api

_JSON_STARTS = (b"{", b"[")


class SpotifyConnector(Connector):
    source_id = "spotify"
    parser_version = "1"
    # Share of rejected rows above which a file is quarantined (SPEC 3.3, per source).
    max_rejected_fraction: ClassVar[float] = MAX_REJECTED_FRACTION

    def sniff(self, head: bytes, original_name: str) -> str | None:
        """The S4A kind when the content carries one of its signatures; never by name."""
        return sniff_kind(head[:SNIFF_HEAD_BYTES])

    def parse(self, payload: Payload) -> ParsedFile:
        """Typed rows; any unreadable input ends as FileRejected, never another error."""
        check_extension(payload.path, payload.original_name)
        if self._is_json(payload):
            return parse_songs_api(payload, max_rejected_fraction=self.max_rejected_fraction)
        # Every CSV layout is recognised from its header, whatever kind the payload claims.
        return parse_csv(payload, max_rejected_fraction=self.max_rejected_fraction)

    def requires_account(self) -> bool:
        return True

    def dedupe_identity(self, kind: str, original_name: str, account: str) -> str:
        """`<account>/<song>` for a per-song timeline: its bytes do not name the song, so two
        new songs with the same figures have the same sha256 but are different files."""
        if kind != KIND_SONG_TIMELINE:
            return ""
        title = song_title_from_name(original_name)
        if title is None:
            return ""
        try:
            slug = resolve_account(given=account, named_ids=artist_ids_in_name(original_name)).slug
        except FileRejected:
            # Parsing quarantines it for the account; the song still tells the files apart.
            slug = ""
        return f"{slug}/{text_key(title)}"

    def _is_json(self, payload: Payload) -> bool:
        # The content decides, as in `sniff`: a claimed kind cannot route a CSV to the JSON parser.
        with payload.path.open("rb") as stream:
            head = stream.read(SNIFF_HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
        return head.startswith(_JSON_STARTS)

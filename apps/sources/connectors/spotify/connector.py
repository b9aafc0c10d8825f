"""Spotify for Artists: one account per artist; audience and song figures (SPEC 2.3)."""

from __future__ import annotations

from typing import ClassVar

from apps.sources.connectors.base import SNIFF_HEAD_BYTES, Connector, ParsedFile, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.rowbook import MAX_REJECTED_FRACTION
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

    def _is_json(self, payload: Payload) -> bool:
        # The content decides, as in `sniff`: a claimed kind cannot route a CSV to the JSON parser.
        with payload.path.open("rb") as stream:
            head = stream.read(SNIFF_HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
        return head.startswith(_JSON_STARTS)

"""Spotify for Artists (SPEC 2.3), one account per artist: the Audience timeline export, the
songs page's own `catalog-view?time-filter=<w>` responses for every window, and each song's
timeline export.

Login is manual (30 days); a redirect to the accounts login page becomes `needs_reconnect`.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from apps.health.errors import PermanentError
from apps.sources.connectors.spotify.accounts import account_by_slug
from apps.sources.connectors.spotify.names import WINDOWS
from apps.sources.extractors.base import SCOPE_ALL
from apps.sources.extractors.browser.flow import BrowserExtractor, generated_name, land
from apps.sources.extractors.browser.session import BrowserRun

if TYPE_CHECKING:
    from playwright.sync_api import Response

logger = logging.getLogger(__name__)

_EXPORT_BUTTON = '[data-testid="export-button"]'
# A file name keeps the song title (the parser reads it) minus what a file system refuses.
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f]")
# The window buttons settle within this long; a window never answered is fetched no further.
WINDOW_WAIT_S = 15.0


class SpotifyExtractor(BrowserExtractor):
    source = "spotify"
    max_age_days = 30
    # The page's own data calls go to generic.wg.spotify.com; login to accounts.spotify.com.
    extra_hosts = ("spotify.com", "scdn.co", "spotifycdn.com")

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        _artist_id(account)  # an unknown account fails before a browser starts
        return super().extract(account=account, since=since, landing_dir=landing_dir)

    def probe_path(self, account: str) -> str:
        return f"/c/artist/{_artist_id(account)}/home"

    def is_login_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.hostname or "").startswith("accounts.") or parts.path.startswith("/login")

    def on_open(self, run: BrowserRun, account: str) -> None:
        windows: dict[str, Response] = {}
        run.captured["songs"] = windows

        def keep(response: Response) -> None:
            parts = urlsplit(response.url)
            window = parse_qs(parts.query).get("time-filter", [""])[0]
            if "catalog-view" in parts.path and window in WINDOWS and response.status == 200:
                windows[window] = response

        run.page.on("response", keep)

    def capture(
        self,
        run: BrowserRun,
        *,
        account: str,
        since: date | None,
        landing_dir: Path,
        scope: str = SCOPE_ALL,
    ) -> list[Path]:
        artist_id = _artist_id(account)
        paths = [self._audience(run, artist_id, landing_dir)]
        songs_by_window = self._song_windows(run, artist_id)
        for window, content in songs_by_window.items():
            name = generated_name("songs_api", "json", tokens=(artist_id, f"time-filter={window}"))
            paths.append(land(landing_dir=landing_dir, name=name, content=content))
        for song_id in _song_ids(songs_by_window):
            paths.append(self._song_timeline(run, artist_id, song_id, landing_dir))
        return paths

    def _audience(self, run: BrowserRun, artist_id: str, landing_dir: Path) -> Path:
        """The Audience timeline CSV, its name prefixed with the artist id (the parser reads
        the account from it when none is given)."""
        run.goto(f"/c/artist/{artist_id}/audience/stats")
        name, content = run.download(lambda: run.page.click(_EXPORT_BUTTON))
        return land(landing_dir=landing_dir, name=f"{artist_id}_{_safe(name)}", content=content)

    def _song_windows(self, run: BrowserRun, artist_id: str) -> dict[str, bytes]:
        """The songs page's own response for each window, clicking the windows it did not load
        by itself; a window the page never answers is left out (logged)."""
        captured: dict[str, Response] = run.captured["songs"]
        run.goto(f"/c/artist/{artist_id}/music/songs")
        run.wait_until(lambda: bool(captured), seconds=WINDOW_WAIT_S, what="S4A songs call")
        for window in WINDOWS:
            if window in captured:
                continue
            button = run.page.locator(f'[data-window="{window}"]')
            if not button.count():
                logger.info("spotify_window_unavailable window=%s", window)
                continue
            button.first.click()
            run.wait_until(lambda w=window: w in captured, seconds=WINDOW_WAIT_S, what="")
        return {window: bytes(captured[window].body()) for window in WINDOWS if window in captured}

    def _song_timeline(
        self, run: BrowserRun, artist_id: str, song_id: str, landing_dir: Path
    ) -> Path:
        """`<Song Title>-timeline.csv`: the song is known only from this name (SPEC 2.3)."""
        run.goto(f"/c/artist/{artist_id}/song/{song_id}/stats")
        name, content = run.download(lambda: run.page.click(_EXPORT_BUTTON))
        if not name.lower().endswith("-timeline.csv"):
            raise PermanentError("S4A song export arrived without its -timeline.csv name")
        return land(landing_dir=landing_dir, name=_safe(name), content=content)


def _artist_id(account: str) -> str:
    artist = account_by_slug(account)
    if artist is None:
        raise PermanentError(f"spotify account {account!r} is not a known artist")
    return artist.artist_id


def _song_ids(songs_by_window: dict[str, bytes]) -> list[str]:
    """Song ids from the widest window captured, in the page's order."""
    for window in reversed(WINDOWS):
        if window in songs_by_window:
            document: Any = json.loads(songs_by_window[window])
            holder = document.get("data", document) if isinstance(document, dict) else {}
            songs = holder.get("songs", []) if isinstance(holder, dict) else []
            return [
                str(song["id"])
                for song in songs
                if isinstance(song, dict) and re.fullmatch(r"[0-9A-Za-z]{22}", str(song.get("id")))
            ]
    return []


def _safe(name: str) -> str:
    return _UNSAFE_NAME.sub("_", name).strip() or "export.csv"

"""What S4A file names carry (SPEC 2.0): the window token, the song title, the artist id.

The name never decides the source or the kind; it only completes what the content lacks.
"""

from __future__ import annotations

import re
from pathlib import PurePath

WINDOWS: tuple[str, ...] = ("1day", "7day", "28day", "1year", "all")

_WINDOW = "|".join(WINDOWS)
# `...catalog-view...?time-filter=28day`, as the page's own request and the extractor name it.
_TIME_FILTER = re.compile(rf"time[-_]?filter[=_-]({_WINDOW})(?![0-9a-z])", re.IGNORECASE)
# `<artist>-songs-28day.csv`, the site's export name.
_SONGS_WINDOW = re.compile(rf"(?:^|[^0-9a-z])songs[^0-9a-z]+({_WINDOW})(?![0-9a-z])")
# A 22-character base-62 token standing alone: a Spotify id.
_SPOTIFY_ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{22}(?![0-9A-Za-z])")
# `<Song Title>-timeline.csv`, also as a browser saves a second copy (`... (1).csv`).
_SONG_TIMELINE = re.compile(r"(.+?)-timeline(?: \(\d+\))?\.csv", re.IGNORECASE | re.DOTALL)


def window_in_text(text: str) -> str | None:
    """The window of a `time-filter=<w>` token anywhere in the text."""
    match = _TIME_FILTER.search(text)
    return match.group(1).lower() if match else None


def window_from_name(name: str) -> str | None:
    """`time-filter=<w>`, else `songs-<w>`, else the one window token the name carries."""
    stem = PurePath(name).stem.casefold()
    found = window_in_text(stem)
    if found:
        return found
    match = _SONGS_WINDOW.search(stem)
    if match:
        return match.group(1)
    tokens = {token for token in re.split(r"[^0-9a-z]+", stem) if token in WINDOWS}
    return tokens.pop() if len(tokens) == 1 else None


def artist_ids_in_name(name: str) -> list[str]:
    return _SPOTIFY_ID_TOKEN.findall(PurePath(name).name)


def song_title_from_name(name: str) -> str | None:
    """The song of a per-song timeline, known only from its file name."""
    match = _SONG_TIMELINE.fullmatch(PurePath(name).name)
    if match is None:
        return None
    title = match.group(1).strip()
    return title or None

"""A fake artists.spotify.com: artist pages behind the `sp_dc` cookie (a missing session goes to
the accounts login page), the Audience export, the songs page whose own calls fetch
`catalog-view?time-filter=<w>` per window, and per-song timeline exports."""

from __future__ import annotations

import json

from apps.sources.tests.browser.fakevendor import (
    FakeVendor,
    Reply,
    Request,
    attachment,
    html,
    json_reply,
    page,
    redirect,
)

SESSION_COOKIE = "sp_dc"
ARTIST_ID = "62owJQCD2XzVB2o19CVsFM"  # the default zonea0 account (SPEC 2.3)
WINDOWS = ("1day", "7day", "28day", "1year", "all")
# id -> (title, streams in the "all" window); other windows show a fraction of it.
SONGS = {
    "5UZ3mxTkGmA2kBXgGk0Wz1": ("Static Bloom", 12345),
    "0x2K6sWkJmY4dI0lV1nUjc": ("Who Is Listening?", 900),
}
WINDOW_SHARE = {"1day": 1, "7day": 5, "28day": 20, "1year": 80, "all": 100}
AUDIENCE_CSV = (
    "date,listeners,streams,followers\n"
    "2025-01-01,120,250,1000\n2025-01-02,130,261,1003\n2025-01-03,128,240,1004\n"
)


def timeline_csv(streams: int) -> str:
    """A song's daily streams, quoted with thousands separators as S4A writes them."""
    return f'date,streams\n2025-03-01,"{streams // 12:,}"\n2025-03-02,"{streams // 11:,}"\n'


def songs_payload(window: str) -> dict[str, object]:
    songs = [
        {
            "id": song_id, "trackName": title, "trackUri": f"spotify:track:{song_id}",
            "releaseDate": "2024-02-09", "imageUrl": "https://i.scdn.co/image/a",
            "numStreams": f"{streams * WINDOW_SHARE[window] // 100:,}",
            "numListeners": streams * WINDOW_SHARE[window] // 300, "numSavers": 10,
            "numCanvasViews": 0, "isDisabled": False,
        }
        for song_id, (title, streams) in SONGS.items()
    ]  # fmt: skip
    return {"data": {"songs": songs}}


def export_page(title: str, export_url: str) -> str:
    return page(
        f"{title} - Spotify for Artists",
        f'<h1>{title}</h1><button data-testid="export-button">Export</button>',
        "document.querySelector('[data-testid=\"export-button\"]').onclick = function () {"
        f" location.href = {json.dumps(export_url)}; }};",
    )


def songs_page(artist_id: str) -> str:
    buttons = "".join(f'<button data-window="{window}">{window}</button>' for window in WINDOWS)
    script = f"""
function load(window) {{
  fetch('/song-stats-view/v2/artist/{artist_id}/catalog-view?time-filter=' + window,
        {{credentials: 'include'}}).then(r => r.json()).then(function (body) {{
    document.getElementById('songs').textContent = body.data.songs.length + ' songs';
  }});
}}
document.querySelectorAll('[data-window]').forEach(function (button) {{
  button.onclick = function () {{ load(button.dataset.window); }};
}});
load('28day');"""
    return page("Music - Spotify for Artists", f'{buttons}<div id="songs"></div>', script)


class FakeSpotifyForArtists(FakeVendor):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: set[str] = set()

    def answer(self, request: Request) -> Reply:
        if request.path == "/login":
            return html(page("Log in - Spotify", "<h1>Log in to Spotify</h1>"))
        if request.cookies.get(SESSION_COOKIE) not in self.sessions:
            if "catalog-view" in request.path:
                return json_reply({"error": "unauthorized"}, status=401)
            return redirect(f"/login?continue={request.path}")
        parts = request.path.strip("/").split("/")
        if "catalog-view" in request.path:
            return json_reply(songs_payload(request.query["time-filter"]))
        if request.path == "/export/audience":
            return attachment("ZONE A0-audience-timeline.csv", AUDIENCE_CSV.encode())
        if request.path == "/export/song":
            title, streams = SONGS[request.query["song"]]
            return attachment(f"{title}-timeline.csv", timeline_csv(streams).encode())
        if parts[:2] == ["c", "artist"] and len(parts) >= 4:
            return self._artist_page(parts[2], parts[3:])
        return html("not found", status=404)

    def _artist_page(self, artist_id: str, rest: list[str]) -> Reply:
        if rest == ["home"]:
            return html(page("Home - Spotify for Artists", "<h1>Home</h1>"))
        if rest == ["audience", "stats"]:
            return html(export_page("Audience", "/export/audience"))
        if rest == ["music", "songs"]:
            return html(songs_page(artist_id))
        if rest[0] == "song" and rest[1] in SONGS:
            return html(export_page(SONGS[rest[1]][0], f"/export/song?song={rest[1]}"))
        return html("not found", status=404)

"""A fake www.tiktok.com: TikTok Studio analytics views (session cookies required, manual login
only) whose "Export data" dialog downloads a CSV, and public profile pages carrying the
follower count in their rehydration JSON."""

from __future__ import annotations

import json

from apps.sources.tests.browser.fakevendor import (
    FakeVendor,
    Reply,
    Request,
    attachment,
    html,
    page,
    redirect,
)

SESSION_COOKIE = "sessionid"
FOLLOWERS = {"zone.a0": 2315, "pig1987": 1210}
BOM = "\ufeff"
EXPORTS = {
    "overview": (
        "Overview_2026-05-04_2026-05-06.csv",
        "Date,Video views,Reached audience,Profile views,Likes,Shares,Comments,Website clicks ,"
        "Net growth,New followers,Lost followers\n"
        "2026/05/04,1520,NaN,41,203,12,17,3,9,14,5\n"
        "2026/05/05,980,640,22,110,4,8,0,-2,3,5\n"
        "2026/05/06,1210,801,30,150,7,11,1,6,8,2\n",
    ),
    "followers": (
        "Followers_2026-05-04_2026-05-06.csv",
        "Date,New followers,Total followers,Engaged audience\n"
        "2026/05/04,14,2301,530\n2026/05/05,3,2299,410\n2026/05/06,8,2305,488\n",
    ),
    "content": (
        "Content_2026-05-04_2026-05-06.csv",
        "Video title,Post time,Video views,Likes,Comments,Shares,Add to Favorites,Video link\n"
        '"night drive, pt. 2",2026/05/05 18:30,2210,301,12,9,40,'
        "https://www.tiktok.com/@zone.a0/video/7370000000000000001\n",
    ),
}


def studio_page(view: str) -> str:
    body = (
        f"<h1>Analytics: {view}</h1>"
        '<button data-e2e="export-button">Export data</button>'
        '<div id="export-dialog" hidden><label><input type="radio" name="format" value="csv">'
        'CSV</label><label><input type="radio" name="format" value="xlsx" checked>XLSX</label>'
        '<button id="export-download">Download</button></div>'
    )
    script = f"""
document.querySelector('[data-e2e="export-button"]').onclick = function () {{
  document.getElementById('export-dialog').hidden = false;
}};
document.getElementById('export-download').onclick = function () {{
  const format = document.querySelector('input[name="format"]:checked').value;
  location.href = '/tiktokstudio/api/export?view={view}&format=' + format;
}};"""
    return page(f"TikTok Studio - {view}", body, script)


def profile_page(handle: str) -> str:
    data = {
        "__DEFAULT_SCOPE__": {
            "webapp.user-detail": {
                "userInfo": {
                    "user": {"uniqueId": handle, "nickname": handle.upper()},
                    "stats": {"followerCount": FOLLOWERS[handle], "heartCount": 99001},
                }
            }
        }
    }
    script_tag = (
        '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">'
        f"{json.dumps(data)}</script>"
    )
    return page(f"@{handle} | TikTok", f"<h1>@{handle}</h1>{script_tag}")


class FakeTikTok(FakeVendor):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: set[str] = set()
        # Which session cookie each Studio request carried: one profile per persona.
        self.sessions_seen: list[str] = []

    def answer(self, request: Request) -> Reply:
        if request.path.startswith("/@"):
            return html(profile_page(request.path[2:]))
        if request.path == "/login":
            return html(page("Log in | TikTok", "<h1>Log in to TikTok</h1><canvas id='qr'>"))
        session = request.cookies.get(SESSION_COOKIE, "")
        with self.lock:
            self.sessions_seen.append(session)
        if session not in self.sessions:
            return redirect(f"/login?redirect_url={request.path}")
        if request.path.startswith("/tiktokstudio/analytics"):
            view = request.path.rstrip("/").rsplit("/", 1)[-1]
            return html(studio_page("overview" if view == "analytics" else view))
        if request.path == "/tiktokstudio/api/export":
            if request.query.get("format") != "csv":
                return attachment("export.xlsx", b"PK\x03\x04not-a-real-xlsx", "application/zip")
            name, text = EXPORTS[request.query["view"]]
            return attachment(name, (BOM + text).encode())
        return html("not found", status=404)

"""A fake distrokid.com: sign-in form (with an optional 2FA step), session cookie, the two stream
chart pages, and the bank detail page whose TSV export is built asynchronously."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from urllib.parse import quote

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

SESSION_COOKIE = "dk_session"
EMAIL = "label@example.invalid"
PASSWORD = "dk-test-password"  # a throwaway login of the fake site
TWO_FACTOR_CODE = "246810"
TWO_FACTOR_PROMPT = "Enter the 6-digit code we texted to (***) ***-0142"

CURRENT_HEADER = (
    '"Date Inserted","Reporting Date","Sale Month","Store","Artist","Title","ISRC","UPC",'
    '"Quantity","Team Percentage","Source Type","Country of Sale",'
    '"Songwriter Royalties Withheld (USD)","Earnings (USD)","Recoup (USD)"'
)


@dataclass(frozen=True)
class Line:
    reporting_date: str
    sale_month: str
    store: str
    title: str
    isrc: str
    quantity: int
    earnings: str
    country: str

    def quoted(self) -> str:
        fields = [
            self.reporting_date,
            self.reporting_date,
            self.sale_month,
            self.store,
            "ZONE A0",
            self.title,
            self.isrc,
            "0196006218743",
            str(self.quantity),
            "100",
            "Song",
            self.country,
            "0.00000",
            self.earnings,
            "",
        ]
        return ",".join(f'"{value}"' for value in fields)


LINES = (
    Line("2025-02-03", "2024-12", "Spotify", "Café Nocturne", "QZHN52318743", 120, "0.288", "US"),
    Line("2025-02-03", "2024-12", "Apple Music", "Static Bloom", "QZHN52318744", 40, "0.236", "GB"),
    Line("2025-02-10", "2025-01", "Spotify", "Static Bloom", "QZHN52318744", 55, "0.132", "DE"),
    Line("2025-03-03", "2025-01", "Spotify", "Café Nocturne", "QZHN52318743", 8, "-0.0192", "US"),
    Line("2025-03-10", "2025-02", "TikTok", "Low Orbit", "QZHN52318745", 900, "0.99", "BR"),
)

STREAMS_DAYS = {"2025-01-02": 10, "2025-01-03": 20, "2025-01-04": 30}
APPLE_DAYS = {"2025-01-03": 4, "2025-01-04": 6}


def streams_chart_page() -> str:
    provider = ",\n".join(
        f'{{"category": "{day}", "column-1": {count}}}' for day, count in STREAMS_DAYS.items()
    )
    script = (
        'AmCharts.makeChart("trend365day", {"type": "serial", "id": "trend365day",\n'
        f'"categoryField": "category", "dataProvider": [\n{provider},\n]}});'
    )
    return page(
        "Stats | DistroKid",
        '<h1>Streams on Spotify</h1><div id="trend365day" class="chartdiv"></div>',
        "window.AmCharts = {makeChart: function () {}};\n" + script,
    )


def apple_chart_page() -> str:
    days = ",".join(f'{{"field":"{day}","value":{count}}}' for day, count in APPLE_DAYS.items())
    script = (
        "var chartData = {\n"
        f'"last365days": [{days}],\n'
        '"byMonth": [{"field":"01-25","value":10}],\n'
        '"byWeek": [{"field":"01/25","value":10}],\n'
        '"tracks1year": [{"field":"Static Bloom","id":"41523311","value":10}],\n'
        '"country1year": [{"field":"US","value":10}]\n'
        "};"
    )
    return page("Apple Music Stats | DistroKid", '<h1>Apple Music</h1><div id="x"></div>', script)


class FakeDistroKid(FakeVendor):
    def __init__(self) -> None:
        super().__init__()
        self.export_row_limit = 50_000
        self.requires_two_factor = False
        self.sessions: set[str] = set()
        # export id -> (start, end, status polls so far)
        self.exports: dict[str, list[object]] = {}
        self._export_ids = itertools.count(1)
        # The (start, end) reporting-date range of every bank detail page asked for, in order.
        self.detail_ranges: list[tuple[str, str]] = []

    def reset_counts(self) -> None:
        super().reset_counts()
        with self.lock:
            self.detail_ranges.clear()

    def answer(self, request: Request) -> Reply:
        if request.path.startswith("/signin"):
            return self._signin(request)
        if request.cookies.get(SESSION_COOKIE) not in self.sessions:
            target = request.path + ("?" + _query(request) if request.query else "")
            return redirect(f"/signin/?next={quote(target, safe='')}")
        if request.path == "/stats/":
            if request.query.get("data") == "applemusic":
                return html(apple_chart_page())
            return html(streams_chart_page())
        if request.path == "/bank/details/":
            with self.lock:
                self.detail_ranges.append((request.query["start"], request.query["end"]))
            return html(self._details_page(request.query["start"], request.query["end"]))
        if request.path == "/bank/export/":
            return self._export(request)
        return html("not found", status=404)

    def _signin(self, request: Request) -> Reply:
        if request.path == "/signin/2fa/" and request.method == "POST":
            if request.form().get("code") != TWO_FACTOR_CODE:
                return redirect("/signin/2fa/")
            return self._new_session("/stats/?type=all&data=streams")
        if request.path == "/signin/2fa/":
            body = f'<p class="prompt">{TWO_FACTOR_PROMPT}</p>' + (
                '<form method="post"><input name="code" autocomplete="one-time-code">'
                '<button type="submit">Verify</button></form>'
            )
            return html(page("Verify | DistroKid", body))
        if request.method == "POST":
            form = request.form()
            if (form.get("email"), form.get("password")) != (EMAIL, PASSWORD):
                return html(page("Sign in", '<p class="signin-error">Wrong password</p>' + FORM))
            if self.requires_two_factor:
                return redirect("/signin/2fa/")
            return self._new_session(request.query.get("next") or "/dashboard/")
        return html(page("Sign in | DistroKid", FORM))

    def _new_session(self, location: str) -> Reply:
        token = self.new_token()
        with self.lock:
            self.sessions.add(token)
            self.logins += 1
        cookie = f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; Max-Age=1209600"
        return redirect(location, cookies=[cookie])

    def _lines(self, start: str, end: str) -> list[Line]:
        return [line for line in LINES if start <= line.reporting_date <= end]

    def _details_page(self, start: str, end: str) -> str:
        count = len(self._lines(start, end))
        body = (
            f"<h1>Excruciating detail</h1><p><span id='row-count' "
            f"data-limit='{self.export_row_limit}'>{count:,}</span> rows</p>"
            "<button id='export'>Download as TSV</button>"
            "<a id='download' style='display:none'>Your export is ready</a>"
        )
        # The export is built in the background: poll until the server says it is ready.
        script = f"""
document.getElementById('export').onclick = async function () {{
  const started = await (await fetch('/bank/export/?start={start}&end={end}',
                                     {{method: 'POST'}})).json();
  const poll = async function () {{
    const status = await (await fetch('/bank/export/?id=' + started.id)).json();
    if (!status.ready) {{ setTimeout(poll, 100); return; }}
    const link = document.getElementById('download');
    link.href = status.url; link.style.display = 'inline';
  }};
  poll();
}};"""
        return page("Bank | DistroKid", body, script)

    def _export(self, request: Request) -> Reply:
        if request.method == "POST":
            export_id = str(next(self._export_ids))
            with self.lock:
                self.exports[export_id] = [request.query["start"], request.query["end"], 0]
            return json_reply({"id": export_id})
        if "download" in request.query:
            start, end, _polls = self.exports[request.query["download"]]
            lines = [CURRENT_HEADER, *(line.quoted() for line in self._lines(str(start), str(end)))]
            # CR-only line ends with a trailing CR, as DistroKid writes them.
            content = ("\r".join(lines) + "\r").encode()
            digits = 1741000000000 + int(request.query["download"])
            return attachment(f"DistroKid_{digits}.tsv", content, "text/tab-separated-values")
        export_id = request.query["id"]
        with self.lock:
            export = self.exports[export_id]
            export[2] = int(str(export[2])) + 1
            # The first poll finds the export still being built.
            is_ready = export[2] >= 2
        if not is_ready:
            return json_reply({"ready": False})
        return json_reply({"ready": True, "url": f"/bank/export/?download={export_id}"})


def _query(request: Request) -> str:
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in request.query.items())


FORM = (
    '<form method="post"><input name="email" type="email"><input name="password" '
    'type="password"><button type="submit">Sign in</button></form>'
)

"""A fake linktr.ee admin: session cookie (manual login only), and an analytics page whose own
GraphQL calls return the owner's personal data next to the analytics, and a range picker whose
longest option the plan allows is 28 days."""

from __future__ import annotations

from datetime import date, timedelta

from apps.sources.tests.browser.fakevendor import (
    FakeVendor,
    Reply,
    Request,
    html,
    json_reply,
    page,
    redirect,
)

SESSION_COOKIE = "lt_session"
OWNER_EMAIL = "owner@example.invalid"
LAST_DAY = date(2025, 5, 27)
LINKS = {"453835498": ("ZONE A0 - NOCTURNES EP", 9), "472282266": ("PIG1987 - MUD SEASON", 6)}


def views_on(day: date) -> int:
    """Deterministic daily views: the day of the month (so sums are easy to check)."""
    return day.day


def timeseries(days: int) -> list[dict[str, object]]:
    entries = []
    for offset in range(days - 1, -1, -1):
        day = LAST_DAY - timedelta(days=offset)
        views = views_on(day)
        clicks = views // 2
        entries.append({
            "totalViews": views, "totalClicks": clicks, "uniqueViews": views,
            "uniqueClicks": clicks, "clickThroughRate": round(clicks / views, 4),
            "date": day.isoformat(), "__typename": "AccountActivity",
        })  # fmt: skip
    return entries


def overview(days: int) -> dict[str, object]:
    series = timeseries(days)
    views = sum(int(str(entry["totalViews"])) for entry in series)
    clicks = sum(int(str(entry["totalClicks"])) for entry in series)
    return {
        "getAccountAnalytics": {
            "overview": {
                "totalViews": views, "totalClicks": clicks,
                "clickThroughRate": round(clicks / views, 4), "timeToClick": 0,
                "clickThroughBenchmark": 80.6429, "timeseries": series,
                "__typename": "AccountOverview",
            },
            "__typename": "AccountAnalytics",
        }
    }  # fmt: skip


def answer_operation(operation: str, variables: dict[str, object]) -> dict[str, object]:
    if operation == "currentUser":
        return {"currentUser": {"id": 1, "email": OWNER_EMAIL, "realName": "Sample Owner"}}
    if operation == "walletBalance":
        return {"walletBalance": {"amount": "12.34", "currency": "USD"}}
    if operation == "getAccountAnalytics":
        return overview(int(str(variables.get("days", 7))))
    if operation == "getAccountAnalyticsLinks":
        links = [
            {"id": int(link_id), "clicks": {"total": clicks}, "__typename": "AccountLink"}
            for link_id, (_title, clicks) in LINKS.items()
        ]
        return {"getAccountAnalytics": {"links": links, "__typename": "AccountAnalytics"}}
    if operation == "linkMetadata":
        return {
            f"link{link_id}": {"id": int(link_id), "title": title, "active": True}
            for link_id, (title, _clicks) in LINKS.items()
        }
    return {}


ANALYTICS_PAGE = page(
    "Analytics | Linktree",
    '<h1>Insights</h1><select id="range"><option value="7">Last 7 days</option>'
    '<option value="28">Last 28 days</option>'
    '<option value="90" disabled>Last 90 days (Pro)</option></select><div id="chart"></div>',
    """
async function gql(operationName, variables) {
  const response = await fetch('/graphql', {method: 'POST', credentials: 'include',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({operationName: operationName, variables: variables || {},
                          query: 'query ' + operationName + ' { ... }'})});
  return response.json();
}
gql('currentUser'); gql('walletBalance');
gql('getAccountAnalytics', {days: 7}); gql('getAccountAnalyticsLinks');
gql('linkMetadata');
document.getElementById('range').onchange = function (event) {
  gql('getAccountAnalytics', {days: Number(event.target.value)});
};""",
)


class FakeLinktree(FakeVendor):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: set[str] = set()

    def answer(self, request: Request) -> Reply:
        if request.path == "/login":
            return html(page("Log in | Linktree", "<h1>Log in to your Linktree</h1>"))
        if request.cookies.get(SESSION_COOKIE) not in self.sessions:
            if request.path == "/graphql":
                return json_reply({"errors": [{"message": "Unauthorized"}]}, status=401)
            return redirect(f"/login?redirect={request.path}")
        if request.path == "/admin/analytics":
            return html(ANALYTICS_PAGE)
        if request.path == "/graphql":
            body = request.json()
            return json_reply({"data": answer_operation(body["operationName"], body["variables"])})
        return html("not found", status=404)

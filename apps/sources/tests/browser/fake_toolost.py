"""A fake toolost.com portal: a single-page app whose login stores a JWT in localStorage, whose
analytics page calls the JSON API with it (401 sends the app back to /login), and whose
notifications list the monthly sales reports with signed attachment links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from apps.sources.tests.browser.fakevendor import (
    FakeVendor,
    Reply,
    Request,
    attachment,
    html,
    json_reply,
    page,
)

EMAIL = "label@example.invalid"
PASSWORD = "tl-test-password"  # a throwaway login of the fake site
TOKEN_LIFETIME_S = 7 * 24 * 3600
_SIGNING_KEY = b"fake-toolost-signing-key"

SPOTIFY = {
    "streams": [
        {"date": "2025-02-02", "streams": "31"},
        {"date": "2025-01-30", "streams": "12"},
        {"date": "2025-01-31", "streams": "0"},
    ],
    "discovery": [{"date": "2025-01", "streams": "310", "fees": "0.27900000"}],
}
APPLE = {
    "totalStreams": [{"date": "2025-01-31", "streams": 4}, {"date": "2025-01-30", "streams": 11}],
    "totalShazam": [{"date": "2025-01-30", "shazams": "1"}],
    "tracksTotal": [
        {"isrc": "QZTL22500011", "streams": 15, "track": "Lanternfish", "release": "Lanternfish",
         "cover": "https://cdn.toolost.com/covers/199876500017/600x600.jpg"},
    ],
    "countryTotal": [{"country": "US", "streams": 15}],
    "streamTotal": 15,
}  # fmt: skip
SALES_HEADER = (
    "Sale Date,Accounting Date,Reporting Date,Store,Artist,Title,ISRC,UPC,Quantity,Revenue,"
    "Revenue Fee,Net Revenue,Original Currency,Country,Split ID,Share"
)
SALES_REPORTS = {
    "311": ("01-2025", "2025-01-12,2025-02-28,2025-03-03,Spotify,IWARY,Lanternfish,"
            "QZTL22500011,199876500017,120,0.37200000,0.03720000,0.33480000,USD,US,,100"),
    "312": ("02-2025", "2025-02-09,2025-03-31,2025-04-03,Apple Music,PIG1987,Hog Heaven,"
            "QZTL22500013,199876500031,40,0.24800000,0.02480000,0.22320000,USD,DE,,100"),
}  # fmt: skip
NOTIFICATIONS = [
    {"id": "312", "title": "Your (02-2025) Sales report has been generated"},
    {"id": "290", "title": "Your payout has been sent"},
    {"id": "311", "title": "Your (01-2025) Sales report has been generated"},
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(expires_at: float) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64(json.dumps({"sub": "label", "exp": int(expires_at)}).encode())
    signature = hmac.new(_SIGNING_KEY, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64(signature)}"


def _sig(notification_id: str) -> str:
    return hmac.new(_SIGNING_KEY, notification_id.encode(), hashlib.sha256).hexdigest()[:16]


LOGIN_PAGE = page(
    "Login | TooLost",
    '<form id="login"><input name="email" type="email"><input name="password" type="password">'
    '<button type="submit">Log in</button></form><p class="error" hidden>Invalid login</p>',
    """
document.getElementById('login').onsubmit = async function (event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch('/api/auth/login', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email: form.get('email'), password: form.get('password')})});
  if (response.status !== 200) { document.querySelector('.error').hidden = false; return; }
  localStorage.setItem('token', (await response.json()).token);
  location.href = '/user-portal/analytics/platform';
};""",
)
# The app's own API helper: a 401 drops the token and goes back to the login page.
_API_HELPER = """
async function api(path) {
  const token = localStorage.getItem('token');
  if (!token) { location.href = '/login'; return null; }
  const response = await fetch(path, {headers: {Authorization: 'Bearer ' + token}});
  if (response.status === 401) { localStorage.removeItem('token'); location.href = '/login';
                                 return null; }
  return response.json();
}"""
PLATFORM_PAGE = page(
    "Analytics | TooLost",
    '<h1>Platform analytics</h1><button id="tab-spotify">Spotify</button>'
    '<button id="tab-apple">Apple Music</button><div id="chart"></div>',
    _API_HELPER
    + """
async function show(url) {
  const data = await api(url);
  if (data) { document.getElementById('chart').textContent = JSON.stringify(data).length; }
}
document.getElementById('tab-apple').onclick = () => show(
  '/api/portal/analytics/apple/?release=&date=thisYear');
show('/api/portal/analytics/spotify?release=&date=thisYear');""",
)
NOTIFICATIONS_PAGE = page(
    "Notifications | TooLost",
    '<ul id="notifications"></ul>',
    _API_HELPER
    + """
api('/api/portal/notifications').then(function (notices) {
  const list = document.getElementById('notifications');
  for (const notice of notices || []) {
    const item = document.createElement('li');
    item.className = 'notification';
    item.innerHTML = '<span class="title"></span>';
    item.querySelector('.title').textContent = notice.title;
    if (notice.attachment) {
      const link = document.createElement('a');
      link.className = 'attachment'; link.href = notice.attachment; link.textContent = 'Download';
      item.appendChild(link);
    }
    list.appendChild(item);
  }
  document.body.dataset.loaded = '1';
});""",
)


class FakeTooLost(FakeVendor):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def issue_token(self, *, expires_at: float | None = None) -> str:
        token = make_jwt(expires_at or time.time() + TOKEN_LIFETIME_S)
        with self.lock:
            self.tokens.add(token)
        return token

    def answer(self, request: Request) -> Reply:
        pages = {
            "/login": LOGIN_PAGE,
            "/user-portal/analytics/platform": PLATFORM_PAGE,
            "/user-portal/notifications": NOTIFICATIONS_PAGE,
        }
        if request.path in pages:
            return html(pages[request.path])
        if request.path == "/api/auth/login":
            return self._login(request)
        if request.path.startswith("/api/portal/notifications/"):
            return self._attachment(request)
        if not self._is_authorised(request):
            return json_reply({"message": "Unauthenticated."}, status=401)
        if request.path == "/api/portal/analytics/spotify":
            return json_reply(SPOTIFY)
        if request.path == "/api/portal/analytics/apple/":
            return json_reply(APPLE)
        if request.path == "/api/portal/notifications":
            return json_reply([self._notice(notice) for notice in NOTIFICATIONS])
        return json_reply({"message": "Not found"}, status=404)

    def _is_authorised(self, request: Request) -> bool:
        token = request.bearer()
        if token not in self.tokens:
            return False
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        return bool(claims["exp"] > time.time())

    def _login(self, request: Request) -> Reply:
        body = request.json()
        if (body.get("email"), body.get("password")) != (EMAIL, PASSWORD):
            return json_reply({"message": "These credentials do not match."}, status=422)
        with self.lock:
            self.logins += 1
        return json_reply({"token": self.issue_token()})

    def _notice(self, notice: dict[str, str]) -> dict[str, str]:
        if notice["id"] not in SALES_REPORTS:
            return notice
        link = f"/api/portal/notifications/{notice['id']}/attachment?sig={_sig(notice['id'])}"
        return {**notice, "attachment": link}

    def _attachment(self, request: Request) -> Reply:
        notification_id = request.path.split("/")[4]
        if request.query.get("sig") != _sig(notification_id):
            return json_reply({"message": "Forbidden"}, status=403)
        month, line = SALES_REPORTS[notification_id]
        content = f"{SALES_HEADER}\n{line}\n".encode()
        return attachment(f"@{month}-{notification_id}.csv", content)


def token_expiry(token: str) -> int:
    """The `exp` claim of a token this fake issued."""
    return int(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"])

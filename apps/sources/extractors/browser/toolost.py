"""TooLost (SPEC 2.2): the portal's own analytics JSON responses (Spotify and Apple Music, this
year) and the monthly sales reports attached to its notifications.

The session is a JWT the portal keeps in localStorage; it lives 7 days and its `exp` claim
(decoded, not verified) is the credential's expiry. Login is automated; TooLost has no 2FA.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from apps.health.errors import PermanentError
from apps.sources.connectors.toolost.sales import KIND_SALES_REPORT
from apps.sources.extractors.base import (
    SCOPE_ALL,
    SCOPE_DAILY,
    SCOPE_STATEMENTS,
    CredentialRejected,
)
from apps.sources.extractors.browser.flow import BrowserExtractor, Login, generated_name, land
from apps.sources.extractors.browser.session import BrowserRun

if TYPE_CHECKING:
    from playwright.sync_api import Response

logger = logging.getLogger(__name__)

PLATFORM_PATH = "/user-portal/analytics/platform"
NOTIFICATIONS_PATH = "/user-portal/notifications"
LOGIN_PATH = "/login"
# The portal's own calls (SPEC 2.2), as it makes them, with their landing kinds.
ANALYTICS_CALLS = {
    "analytics_spotify": "/api/portal/analytics/spotify?release=&date=thisYear",
    "analytics_apple": "/api/portal/analytics/apple/?release=&date=thisYear",
}
# The tab that makes the page request each platform's figures.
_TABS = {"analytics_spotify": "#tab-spotify", "analytics_apple": "#tab-apple"}
TOKEN_KEYS = ("token", "jwt", "authToken", "access_token")
SALES_NOTICE = re.compile(r"Your \((\d{2})-(\d{4})\) Sales report has been generated")
SALES_REPORT_NAME = re.compile(r"@\d{2}-\d{4}-[0-9A-Za-z]+\.csv")
# The sales month at the head of a report's name (a second copy may have gained " (1)").
SALES_REPORT_MONTH = re.compile(r"@(\d{2})-(\d{4})-")
# How long to wait for a call the page makes by itself before asking for it from the page.
OWN_CALL_WAIT_S = 10.0

_EMAIL_FIELD = 'input[name="email"]'
_PASSWORD_FIELD = 'input[name="password"]'
_SUBMIT = 'button[type="submit"]'
_LOGIN_ERROR = ".error:visible"
_NOTICE = ".notification"


class TooLostExtractor(BrowserExtractor):
    source = "toolost"
    can_log_in = True
    max_age_days = 7
    scopes = (SCOPE_ALL, SCOPE_DAILY, SCOPE_STATEMENTS)
    statement_kind = KIND_SALES_REPORT

    def held_statement_month(self, *, original_name: str, period_end: date | None) -> date | None:
        """The sales month in the report's name (`@MM-YYYY-<id>.csv`), the month its notice
        names. Not the reporting date: reports arrive about two months after their sales."""
        match = SALES_REPORT_MONTH.match(original_name)
        if match is None or not 1 <= int(match.group(1)) <= 12:
            return None
        return date(int(match.group(2)), int(match.group(1)), 1)

    def probe_path(self, account: str) -> str:
        return PLATFORM_PATH

    def is_login_url(self, url: str) -> bool:
        return urlsplit(url).path.rstrip("/") == LOGIN_PATH

    def on_open(self, run: BrowserRun, account: str) -> None:
        def keep(response: Response) -> None:
            kind = _analytics_kind(response.url)
            if kind and response.status == 200:
                run.captured[kind] = response

        run.page.on("response", keep)

    def is_logged_in(self, run: BrowserRun, account: str) -> bool:
        """A token past its `exp` needs no page load; otherwise the portal decides (its app
        goes back to /login when the API answers 401)."""
        token = token_in_state(run.storage_state(), run.base_url)
        if token is None or _expiry(token) <= time.time():
            return False
        run.goto(PLATFORM_PATH)
        run.wait_until(
            lambda: self.is_login_url(run.page.url) or "analytics_spotify" in run.captured,
            seconds=OWN_CALL_WAIT_S,
            what="",
        )
        return not self.is_login_url(run.page.url)

    def log_in(self, run: BrowserRun, login: Login, account: str) -> None:
        page = run.page
        run.goto(LOGIN_PATH)
        page.fill(_EMAIL_FIELD, login.username)
        page.fill(_PASSWORD_FIELD, login.password)
        page.click(_SUBMIT)
        run.wait_until(
            lambda: not self.is_login_url(page.url) or page.locator(_LOGIN_ERROR).count() > 0,
            seconds=OWN_CALL_WAIT_S,
            what="",
        )
        if self.is_login_url(page.url):
            raise CredentialRejected("TooLost refused the stored email and password")
        run.captured.clear()

    def state_expires_at(self, state: dict[str, Any], *, now: datetime) -> datetime:
        """The JWT's own `exp` (SPEC 6.3), else the default maximum age."""
        token = token_in_state(state, self.base_url())
        expiry = _expiry(token) if token else 0.0
        if expiry > 0:
            return datetime.fromtimestamp(expiry, tz=UTC)
        return super().state_expires_at(state, now=now)

    def capture(
        self,
        run: BrowserRun,
        *,
        account: str,
        since: date | None,
        landing_dir: Path,
        scope: str = SCOPE_ALL,
    ) -> list[Path]:
        """Analytics daily; the sales-report check (statements) weekly, or with `all`."""
        paths = []
        if scope in (SCOPE_ALL, SCOPE_DAILY):
            paths += [
                land(
                    landing_dir=landing_dir,
                    name=generated_name(kind, "json"),
                    content=self._analytics(run, kind),
                )
                for kind in ANALYTICS_CALLS
            ]
        if scope in (SCOPE_ALL, SCOPE_STATEMENTS):
            paths += self._sales_reports(run, since, landing_dir)
        return paths

    def _analytics(self, run: BrowserRun, kind: str) -> bytes:
        """The page's own response for `kind`: click its tab and wait for it; if the page
        never asks, make the same call from the page with the app's token."""
        if kind not in run.captured:
            if run.page.url != run.url(PLATFORM_PATH):
                run.goto(PLATFORM_PATH)
            tab = run.page.locator(_TABS[kind])
            if tab.count():
                tab.first.click()
            run.wait_until(lambda: kind in run.captured, seconds=OWN_CALL_WAIT_S, what="")
        from playwright.sync_api import Error as PlaywrightError

        response = run.captured.get(kind)
        if response is not None:
            try:
                return bytes(response.body())
            except PlaywrightError:
                # Chromium drops a body once the page navigates on (a login redirect, another
                # tab); the same call made from the page gives the same document.
                logger.info("toolost_own_call_body_gone kind=%s", kind)
        logger.info("toolost_own_call_missing kind=%s fetched_from_page=true", kind)
        token = token_in_state(run.storage_state(), run.base_url) or ""
        document = run.fetch_json(
            ANALYTICS_CALLS[kind], headers={"Authorization": f"Bearer {token}"}
        )
        return json.dumps(document, separators=(",", ":")).encode()

    def _sales_reports(self, run: BrowserRun, since: date | None, landing_dir: Path) -> list[Path]:
        """Every "Your (MM-YYYY) Sales report has been generated" notice for a month from
        `since` on; earlier months were fetched by earlier runs (the lake drops repeats)."""
        run.goto(NOTIFICATIONS_PATH)
        page = run.page
        run.wait_until(
            lambda: self.is_login_url(page.url) or page.locator("body[data-loaded]").count() > 0,
            what="TooLost notifications",
        )
        if self.is_login_url(page.url):
            raise CredentialRejected("TooLost sent the notifications page to login")
        first_month = since.replace(day=1) if since else date.min
        paths = []
        for notice in page.locator(_NOTICE).all():
            match = SALES_NOTICE.search(notice.inner_text())
            link = notice.locator("a.attachment")
            if match is None or not link.count():
                continue
            month = date(int(match.group(2)), int(match.group(1)), 1)
            if month < first_month:
                continue
            name, content = run.download(link.first.click)
            if not SALES_REPORT_NAME.fullmatch(name):
                raise PermanentError("TooLost sales report arrived under an unexpected name")
            paths.append(land(landing_dir=landing_dir, name=name, content=content))
        logger.info("toolost_sales_reports_downloaded count=%s", len(paths))
        return paths


def token_in_state(state: dict[str, Any], base_url: str) -> str | None:
    """The portal's JWT from the storage state's localStorage for the portal's origin."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    for entry in state.get("origins", []):
        if entry.get("origin") != origin:
            continue
        values = {item["name"]: item["value"] for item in entry.get("localStorage", [])}
        for key in TOKEN_KEYS:
            if values.get(key):
                return str(values[key])
    return None


def _expiry(token: str) -> float:
    """The `exp` claim (epoch seconds), read without verifying the signature; 0 if unreadable."""
    try:
        claims = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        return float(payload.get("exp", 0))
    except (IndexError, ValueError, TypeError, AttributeError):
        return 0.0


def _analytics_kind(url: str) -> str | None:
    path = urlsplit(url).path
    for kind, call in ANALYTICS_CALLS.items():
        if path == urlsplit(call).path:
            return kind
    return None

"""DistroKid (SPEC 2.1): the two stream-chart pages as served, and the bank "excruciating
detail" TSV, requested by reporting-date ranges that each stay under the export row limit.

Login is automated with the stored email and password; a 2FA prompt goes to a human.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from apps.health.errors import PermanentError
from apps.sources.connectors.distrokid.schemas import KIND_BANK_STATEMENT
from apps.sources.extractors.base import (
    SCOPE_ALL,
    SCOPE_DAILY,
    SCOPE_STATEMENTS,
    CredentialRejected,
    TwoFactorRequired,
)
from apps.sources.extractors.browser.flow import (
    BrowserExtractor,
    Login,
    generated_name,
    land,
    two_factor_hand_off,
)
from apps.sources.extractors.browser.session import BrowserRun

logger = logging.getLogger(__name__)

STREAMS_CHART_PATH = "/stats/?type=all&data=streams"
APPLE_CHART_PATH = "/stats/?type=all&data=applemusic"
SIGNIN_PATH = "/signin/"
BANK_DETAILS_PATH = "/bank/details/"
# DistroKid exports at most this many rows unfiltered; the page may state its own limit.
BANK_EXPORT_MAX_ROWS = 50_000
# The first statement lines DistroKid can hold (it opened in 2013): the first run's window.
HISTORY_START = date(2013, 1, 1)
# How often a range may be halved before one day alone is over the limit (2**20 days).
MAX_SPLIT_DEPTH = 20
STATEMENT_NAME = re.compile(r"DistroKid_\d+\.tsv")

_EMAIL_FIELD = 'input[name="email"]'
_PASSWORD_FIELD = 'input[name="password"]'
_SUBMIT = 'button[type="submit"]'
_ONE_TIME_CODE = 'input[autocomplete="one-time-code"], input[name="code"]'
_PROMPT = ".prompt, h1"
_ROW_COUNT = "#row-count"
_EXPORT_BUTTON = "#export"
_DOWNLOAD_LINK = "a#download"


class DistroKidExtractor(BrowserExtractor):
    source = "distrokid"
    can_log_in = True
    max_age_days = 14
    extra_hosts = ()
    scopes = (SCOPE_ALL, SCOPE_DAILY, SCOPE_STATEMENTS)
    statement_kind = KIND_BANK_STATEMENT

    def held_statement_month(self, *, original_name: str, period_end: date | None) -> date | None:
        """The month of a held export's last reporting date: the bank export is asked for by
        reporting date, so that is where the next statements run starts."""
        return period_end.replace(day=1) if period_end else None

    def probe_path(self, account: str) -> str:
        return STREAMS_CHART_PATH

    def is_login_url(self, url: str) -> bool:
        return urlsplit(url).path.startswith("/signin")

    def log_in(self, run: BrowserRun, login: Login, account: str) -> None:
        page = run.page
        run.goto(SIGNIN_PATH)
        page.fill(_EMAIL_FIELD, login.username)
        page.fill(_PASSWORD_FIELD, login.password)
        with page.expect_navigation():
            page.click(_SUBMIT)
        if page.locator(_ONE_TIME_CODE).count():
            self._answer_two_factor(run, account)
        if self.is_login_url(page.url):
            raise CredentialRejected("DistroKid refused the stored email and password")

    def _answer_two_factor(self, run: BrowserRun, account: str) -> None:
        """Hand the prompt to a human. With BEDROT_BROWSER_2FA_WAIT_S set, the page stays open
        that long for a code entered on the credential page (SPEC 6.5); Bedrot never answers
        a prompt by itself."""
        page = run.page
        prompt = page.locator(_PROMPT).first.inner_text().strip()[:200]
        wait_s = settings.BROWSER_TWO_FACTOR_WAIT_S
        if wait_s <= 0:
            raise two_factor_hand_off(self.source, account, prompt)
        # Imported here: the services module imports the extractor registry.
        from apps.sources.services import two_factor_code_wait

        try:
            code = two_factor_code_wait(
                source=self.source, account=account, prompt=prompt, wait=timedelta(seconds=wait_s)
            )
        except TwoFactorRequired as error:
            raise two_factor_hand_off(self.source, account, prompt) from error
        page.fill(_ONE_TIME_CODE, code)
        with page.expect_navigation():
            page.click(_SUBMIT)
        if page.locator(_ONE_TIME_CODE).count():
            raise CredentialRejected("DistroKid refused the 2FA code that was entered")

    def capture(
        self,
        run: BrowserRun,
        *,
        account: str,
        since: date | None,
        landing_dir: Path,
        scope: str = SCOPE_ALL,
    ) -> list[Path]:
        """Charts daily; the bank export (statements) on the weekly run, or with `all`."""
        paths = []
        if scope in (SCOPE_ALL, SCOPE_DAILY):
            paths += [
                land(
                    landing_dir=landing_dir,
                    name=generated_name("streams_chart", "html"),
                    content=run.page_bytes(STREAMS_CHART_PATH),
                ),
                land(
                    landing_dir=landing_dir,
                    name=generated_name("apple_chart", "html"),
                    content=run.page_bytes(APPLE_CHART_PATH),
                ),
            ]
        if scope in (SCOPE_ALL, SCOPE_STATEMENTS):
            today = datetime.now(tz=UTC).date()
            for start, end in self._bank_ranges(run, since or HISTORY_START, today):
                paths.append(self._bank_export(run, start, end, landing_dir))
        return paths

    def _bank_ranges(self, run: BrowserRun, start: date, end: date) -> list[tuple[date, date]]:
        """Reporting-date ranges covering [start, end], each under the export limit; ranges
        without a line are left out. Halving keeps the number of page loads logarithmic."""
        pending = [(start, end, 0)]
        ranges: list[tuple[date, date]] = []
        while pending:
            low, high, depth = pending.pop(0)
            rows, limit = self._bank_row_count(run, low, high)
            if rows == 0:
                continue
            if rows <= limit:
                ranges.append((low, high))
                continue
            if low == high or depth >= MAX_SPLIT_DEPTH:
                raise PermanentError(
                    f"DistroKid bank export for {low.isoformat()} alone has {rows} rows, over "
                    f"the {limit} row limit"
                )
            middle = low + timedelta(days=(high - low).days // 2)
            pending[:0] = [(low, middle, depth + 1), (middle + timedelta(days=1), high, depth + 1)]
        return ranges

    def _bank_row_count(self, run: BrowserRun, start: date, end: date) -> tuple[int, int]:
        run.goto(_details_path(start, end))
        counter = run.page.locator(_ROW_COUNT)
        rows = _integer(counter.inner_text())
        limit = _integer(counter.get_attribute("data-limit") or "") or BANK_EXPORT_MAX_ROWS
        return rows, limit

    def _bank_export(self, run: BrowserRun, start: date, end: date, landing_dir: Path) -> Path:
        """Ask for the export of one range; DistroKid builds it asynchronously and shows the
        download link when it is ready."""
        page = run.page
        if run.last_path != _details_path(start, end):
            run.goto(_details_path(start, end))
        page.click(_EXPORT_BUTTON)
        link = page.locator(_DOWNLOAD_LINK)
        link.wait_for(state="visible")
        name, content = run.download(link.click)
        if not STATEMENT_NAME.fullmatch(name):
            logger.warning("distrokid_statement_unexpected_name length=%s", len(name))
            name = f"DistroKid_{int(datetime.now(tz=UTC).timestamp() * 1000)}.tsv"
        logger.info(
            "distrokid_statement_downloaded start=%s end=%s bytes=%s", start, end, len(content)
        )
        return land(landing_dir=landing_dir, name=name, content=content)


def _details_path(start: date, end: date) -> str:
    return f"{BANK_DETAILS_PATH}?{urlencode({'start': start.isoformat(), 'end': end.isoformat()})}"


def _integer(text: str) -> int:
    digits = re.sub(r"[^0-9]", "", text)
    return int(digits) if digits else 0

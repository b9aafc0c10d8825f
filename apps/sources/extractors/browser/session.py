"""One headless Chromium run for one (source, account): built from a decrypted storage state in
a private temp directory, limited to the vendor's hosts, and torn down with that directory.

While the browser is open nothing touches the database: Playwright's sync API runs an event
loop in this thread and Django's ORM refuses to work beside one. Callers load credentials
before `browser_run` and save the refreshed storage state after it has closed.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from apps.health.errors import PermanentError, TransientError

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Response

logger = logging.getLogger(__name__)

# Chromium never phones home, and resolves only the hosts `browser_run` is given (SPEC 2.0:
# extractors reach only their vendor's hosts); a page asking for anything else gets NOTFOUND.
_CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_QUERY = re.compile(r"\?[^\s\"']*")
POLL_MS = 100
HTTP_TOO_MANY_REQUESTS = 429
HTTP_SERVER_ERROR = 500
HTTP_CLIENT_ERROR = 400


def host_resolver_rules(hosts: set[str]) -> str:
    """The Chromium resolver rule that maps every host but `hosts` (and the subdomains of
    names) to NOTFOUND; the rule applies to IP literals too, so loopback is listed as is."""
    exclusions = [
        f"EXCLUDE {host}" if host in _LOOPBACK_HOSTS else f"EXCLUDE {host} , EXCLUDE *.{host}"
        for host in sorted(hosts)
    ]
    return " , ".join(["MAP * ~NOTFOUND", *exclusions])


def vendor_hosts(base_url: str, extra_hosts: tuple[str, ...] = ()) -> set[str]:
    """The host of the configured base URL, its parent domain (`www.tiktok.com` also allows
    `tiktok.com` and its CDN-free subdomains) and the vendor's declared extra hosts. A base URL
    on loopback (a test double) allows loopback only."""
    host = urlsplit(base_url).hostname or ""
    if host in _LOOPBACK_HOSTS:
        return {host}
    parent = host.removeprefix("www.")
    return {host, parent, *extra_hosts}


@dataclass
class BrowserRun:
    """The open page of one run plus the helpers every extractor needs."""

    page: Page
    context: BrowserContext
    base_url: str
    download_dir: Path
    # What the page's own calls returned, kept by listeners an extractor installs at open.
    captured: dict[str, Any] = field(default_factory=dict)
    # The last page loaded (path and its response), so a probe page is not loaded twice.
    last_path: str = ""
    last_response: Response | None = None

    def url(self, path: str) -> str:
        return urljoin(self.base_url.rstrip("/") + "/", path.lstrip("/"))

    def goto(self, path: str) -> Response | None:
        """Load a vendor page; timeouts, 429 and 5xx become TransientError (the run may be
        retried), other 4xx PermanentError. A redirect to a login page is the caller's call."""
        from playwright.sync_api import Error as PlaywrightError

        target = self.url(path)
        try:
            response = self.page.goto(target, wait_until="load")
        except PlaywrightError as error:
            message = f"page load failed: {_path_of(target)}: {_first_line(error)}"
            raise TransientError(message) from None
        check_status(response, what=_path_of(target))
        self.last_path, self.last_response = path, response
        return response

    def page_bytes(self, path: str) -> bytes:
        """The body of a page as the vendor served it (not the DOM after scripts ran); the
        probe page just loaded is reused rather than requested again."""
        response = self.last_response if self.last_path == path else None
        if response is None or self.page.url != response.url:
            response = self.goto(path)
        if response is None:
            raise TransientError(f"no response for {_path_of(self.url(path))}")
        return response.body()

    def download(self, click: Callable[[], None]) -> tuple[str, bytes]:
        """Run `click` and return the download it starts: (the site's file name, its bytes)."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            with self.page.expect_download() as pending:
                click()
            download = pending.value
            local = download.path()
        except PlaywrightError as error:
            raise TransientError(f"download failed: {_first_line(error)}") from None
        return download.suggested_filename, Path(local).read_bytes()

    def fetch_json(self, path: str, *, headers: dict[str, str] | None = None) -> Any:
        """Call a vendor JSON endpoint from inside the logged-in page (its cookies, its origin),
        as the page's own scripts do; the status is checked like a page load."""
        result = self.page.evaluate(
            """async ([url, headers]) => {
                const response = await fetch(url, {headers: headers, credentials: "include"});
                return {status: response.status, retryAfter: response.headers.get("Retry-After"),
                        text: await response.text()};
            }""",
            [self.url(path), headers or {}],
        )
        status = int(result["status"])
        check_status_code(status, what=_path_of(self.url(path)), retry_after=result["retryAfter"])
        try:
            return json.loads(result["text"])
        except ValueError:
            raise PermanentError(f"{_path_of(self.url(path))} did not answer JSON") from None

    def wait_until(
        self, condition: Callable[[], bool], *, seconds: float | None = None, what: str
    ) -> bool:
        """Poll `condition` while the page keeps running its scripts. Past the wait, `what`
        (when given) fails the run as transient; otherwise the caller decides (False)."""
        deadline = time.monotonic() + (seconds or settings.BROWSER_TIMEOUT_S)
        while not condition():
            if time.monotonic() > deadline:
                if what:
                    raise TransientError(f"{what} did not appear in time")
                return False
            self.page.wait_for_timeout(POLL_MS)
        return True

    def storage_state(self) -> dict[str, Any]:
        # No path: the state stays in memory and is saved encrypted by the caller.
        state: dict[str, Any] = self.context.storage_state()
        return state


def check_status(response: Response | None, *, what: str) -> None:
    if response is None:
        return
    check_status_code(response.status, what=what, retry_after=response.headers.get("retry-after"))


def check_status_code(status: int, *, what: str, retry_after: str | None) -> None:
    if status == HTTP_TOO_MANY_REQUESTS:
        raise TransientError(
            f"{what} answered 429 Too Many Requests", retry_after_s=_seconds(retry_after)
        )
    if status >= HTTP_SERVER_ERROR:
        raise TransientError(f"{what} answered {status}")
    if status >= HTTP_CLIENT_ERROR:
        raise PermanentError(f"{what} answered {status}")


@contextmanager
def browser_run(
    *, base_url: str, storage_state: dict[str, Any] | None, extra_hosts: tuple[str, ...] = ()
) -> Iterator[BrowserRun]:
    """Headless system Chromium with a fresh context from `storage_state` (None: logged out).

    Downloads go to a private temp directory that is deleted with everything else in it when
    the run ends, so no cookie, state or download outlives the run on disk.
    """
    from playwright.sync_api import sync_playwright

    timeout_ms = settings.BROWSER_TIMEOUT_S * 1000
    hosts = vendor_hosts(base_url, extra_hosts)
    work_dir = Path(tempfile.mkdtemp(prefix="bedrot-browser-"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=settings.CHROMIUM_PATH,
                headless=True,
                args=[*_CHROMIUM_ARGS, f"--host-resolver-rules={host_resolver_rules(hosts)}"],
                downloads_path=str(work_dir),
            )
            try:
                context = browser.new_context(
                    storage_state=storage_state,  # type: ignore[arg-type]
                    accept_downloads=True,
                )
                context.set_default_timeout(timeout_ms)
                context.set_default_navigation_timeout(timeout_ms)
                page = context.new_page()
                yield BrowserRun(
                    page=page, context=context, base_url=base_url, download_dir=work_dir
                )
            finally:
                browser.close()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def path_of(url: str) -> str:
    """Host and path only: query strings may carry tokens and never reach a log or message."""
    return _path_of(url)


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or ''}{parts.path}"


def _first_line(error: BaseException) -> str:
    """The error's first line without query strings (they may carry tokens)."""
    text = str(error).strip().splitlines()
    line = _QUERY.sub("", text[0]) if text else type(error).__name__
    return line[:200]


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None

"""Linktree (SPEC 2.6): the analytics page's own GraphQL responses, after choosing the longest
range the plan allows, saved as one JSON array.

Only allowlisted operations reach landing: `getAccountAnalytics` and `link<ID>` metadata.
`currentUser`, wallet and balance answers carry the owner's email and real name, so anything
else is dropped in the browser run, before a byte is written. Login is manual (30 days).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from apps.health.errors import PermanentError
from apps.sources.extractors.base import SCOPE_ALL
from apps.sources.extractors.browser.flow import BrowserExtractor, generated_name, land
from apps.sources.extractors.browser.session import BrowserRun

if TYPE_CHECKING:
    from playwright.sync_api import Response

logger = logging.getLogger(__name__)

ANALYTICS_PATH = "/admin/analytics"
ANALYTICS_OPERATION = "getAccountAnalytics"
_ALLOWED_KEY = re.compile(rf"{ANALYTICS_OPERATION}|link\d+")
_RANGE_PICKER = "select#range"
# The page's own queries settle within this long once the range changes.
RANGE_WAIT_S = 15.0


class LinktreeExtractor(BrowserExtractor):
    source = "linktree"
    max_age_days = 30
    # GraphQL and assets live on subdomains of linktr.ee (graph.linktr.ee).
    extra_hosts = ("linktr.ee",)

    def probe_path(self, account: str) -> str:
        return ANALYTICS_PATH

    def is_login_url(self, url: str) -> bool:
        return urlsplit(url).path.startswith(("/login", "/auth"))

    def on_open(self, run: BrowserRun, account: str) -> None:
        responses: list[Response] = []
        run.captured["graphql"] = responses

        def keep(response: Response) -> None:
            if response.request.method == "POST" and urlsplit(response.url).path.endswith(
                "/graphql"
            ):
                responses.append(response)

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
        page = run.page
        page.wait_for_load_state("networkidle")
        self._choose_longest_range(run)
        kept = allowlisted(self._bodies(run))
        if not any(ANALYTICS_OPERATION in response["data"] for response in kept):
            raise PermanentError("Linktree analytics page made no getAccountAnalytics call")
        content = json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()
        logger.info("linktree_captured responses=%s bytes=%s", len(kept), len(content))
        return [land(landing_dir=landing_dir, name=generated_name("analytics", "json"),
                     content=content)]  # fmt: skip

    def _choose_longest_range(self, run: BrowserRun) -> None:
        """Pick the longest enabled daily range (days not captured before they leave the
        window are lost for good, SPEC 2.6) and wait for the page's new analytics answer."""
        picker = run.page.locator(_RANGE_PICKER)
        if not picker.count():
            return
        options = picker.locator("option:not([disabled])")
        values = [options.nth(i).get_attribute("value") or "" for i in range(options.count())]
        days = [value for value in values if value.isdigit()]
        if not days:
            return
        longest = max(days, key=int)
        if picker.input_value() == longest:
            return
        seen = len(run.captured["graphql"])
        picker.select_option(longest)
        run.wait_until(lambda: len(run.captured["graphql"]) > seen, seconds=RANGE_WAIT_S, what="")
        run.page.wait_for_load_state("networkidle")

    def _bodies(self, run: BrowserRun) -> list[Any]:
        documents = []
        for response in run.captured["graphql"]:
            if response.status != 200:
                continue
            try:
                documents.append(response.json())
            except ValueError:
                continue
        return documents


def allowlisted(documents: list[Any]) -> list[dict[str, Any]]:
    """Each response (batched ones too) reduced to its allowlisted `data` keys; a response
    with none left is dropped whole. Only key names are compared: nothing else is read."""
    kept: list[dict[str, Any]] = []
    for document in documents:
        for response in document if isinstance(document, list) else [document]:
            data = response.get("data") if isinstance(response, dict) else None
            if not isinstance(data, dict):
                continue
            allowed = {key: value for key, value in data.items() if _ALLOWED_KEY.fullmatch(key)}
            if allowed:
                kept.append({"data": allowed})
    return kept

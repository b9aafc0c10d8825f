"""TikTok Studio (SPEC 2.4), one browser profile (storage state) per persona: the Overview,
Content and Followers exports as CSV, and a follower snapshot from the public profile page.

Login is always manual (QR code, 2FA, captcha): a refused session is never answered by the
extractor; it becomes `needs_reconnect` for a human.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from urllib.parse import urlsplit

from apps.health.errors import PermanentError
from apps.sources.connectors.tiktok.personas import Persona, persona_by_slug
from apps.sources.extractors.base import SCOPE_ALL
from apps.sources.extractors.browser.flow import BrowserExtractor, generated_name, land
from apps.sources.extractors.browser.session import BrowserRun

logger = logging.getLogger(__name__)

STUDIO_PATH = "/tiktokstudio/analytics"
# Studio views exported, in order; the parser tells them apart by their header sets.
STUDIO_VIEWS = ("overview", "content", "followers")
_EXPORT_BUTTON = '[data-e2e="export-button"]'
_CSV_FORMAT = 'input[name="format"][value="csv"]'
_DOWNLOAD_BUTTON = "#export-download"
_REHYDRATION = "script#__UNIVERSAL_DATA_FOR_REHYDRATION__, script#SIGI_STATE"
_FOLLOWER_COUNT = re.compile(r'"followerCount"\s*:\s*(\d+)')
_SAFE_NAME = re.compile(r"[^0-9A-Za-z._-]+")


class TikTokExtractor(BrowserExtractor):
    source = "tiktok"
    max_age_days = 30
    required_cookies = ("sessionid", "sid_guard", "uid_tt")
    # Studio's scripts and styles come from TikTok's CDNs.
    extra_hosts = ("tiktokcdn.com", "tiktokcdn-us.com", "ttwstatic.com", "tiktokv.com")

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        _persona(account)  # an unknown persona fails before a browser starts
        return super().extract(account=account, since=since, landing_dir=landing_dir)

    def probe_path(self, account: str) -> str:
        return STUDIO_PATH

    def is_login_url(self, url: str) -> bool:
        return urlsplit(url).path.startswith("/login")

    def capture(
        self,
        run: BrowserRun,
        *,
        account: str,
        since: date | None,
        landing_dir: Path,
        scope: str = SCOPE_ALL,
    ) -> list[Path]:
        persona = _persona(account)
        paths = [self._export(run, view, persona, landing_dir) for view in STUDIO_VIEWS]
        paths.append(self._follower_snapshot(run, persona, landing_dir))
        return paths

    def _export(self, run: BrowserRun, view: str, persona: Persona, landing_dir: Path) -> Path:
        """Export one Studio view as CSV (the dialog defaults to XLSX)."""
        page = run.page
        run.goto(f"{STUDIO_PATH}/{view}")
        if self.is_login_url(page.url):
            raise PermanentError(f"TikTok Studio sent the {view} view to login")
        page.click(_EXPORT_BUTTON)
        page.check(_CSV_FORMAT)
        name, content = run.download(lambda: page.click(_DOWNLOAD_BUTTON))
        if not name.lower().endswith(".csv"):
            raise PermanentError(f"TikTok Studio {view} export is not a CSV")
        return land(landing_dir=landing_dir, name=with_handle(name, persona), content=content)

    def _follower_snapshot(self, run: BrowserRun, persona: Persona, landing_dir: Path) -> Path:
        """`followerCount` from the profile page's own JSON, as a dated snapshot (SPEC 2.4)."""
        run.goto(f"/@{persona.handle}")
        scripts = run.page.locator(_REHYDRATION)
        text = scripts.first.text_content() if scripts.count() else ""
        match = _FOLLOWER_COUNT.search(text or "")
        if match is None:
            raise PermanentError(f"TikTok profile @{persona.handle} shows no followerCount")
        snapshot = {
            "count": int(match.group(1)),
            "source_url": run.page.url,
            "timestamp": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "artist": persona.artist_name,
        }
        logger.info("tiktok_followers_read persona=%s count=%s", persona.slug, snapshot["count"])
        return land(
            landing_dir=landing_dir,
            name=generated_name("follower_snapshot", "json", tokens=(persona.handle,)),
            content=json.dumps(snapshot).encode(),
        )


def with_handle(name: str, persona: Persona) -> str:
    """The site's export name with the persona's handle at the end of the stem, the token the
    TikTok parser reads a persona from (`Overview_..._zone.a0.csv`)."""
    path = PurePath(_SAFE_NAME.sub("_", name))
    return f"{path.stem}_{persona.handle}{path.suffix}"


def _persona(account: str) -> Persona:
    persona = persona_by_slug(account)
    if persona is None:
        raise PermanentError(f"tiktok account {account!r} is not a known persona")
    return persona

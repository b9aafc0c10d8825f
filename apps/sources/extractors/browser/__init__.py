"""Browser-session extractors (SPEC 2.0): headless system Chromium driven by Playwright from a
stored storage state. Importing this package registers them in `EXTRACTORS`."""

from __future__ import annotations

from apps.sources.extractors import register
from apps.sources.extractors.browser.distrokid import DistroKidExtractor
from apps.sources.extractors.browser.linktree import LinktreeExtractor
from apps.sources.extractors.browser.spotify import SpotifyExtractor
from apps.sources.extractors.browser.tiktok import TikTokExtractor
from apps.sources.extractors.browser.toolost import TooLostExtractor

register(DistroKidExtractor())
register(TooLostExtractor())
register(LinktreeExtractor())
register(TikTokExtractor())
register(SpotifyExtractor())

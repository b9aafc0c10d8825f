"""The demo dataset: realistic export files the project generates itself (SPEC.md 3.6), for every
source, built by each connector's own sample writers so the layouts and quirks are the real ones.
The daily stream, TikTok and ad spend files share one invented year (demo_world.py) ending
yesterday, so the cross-source check, the TikTok lag view and the alerts have data that agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.sources.connectors.distrokid.samples import demo_statement_files
from apps.sources.connectors.mailchimp.samples import demo_mailchimp_files
from apps.sources.connectors.submithub.samples import demo_submithub_files
from apps.sources.connectors.youtube.samples import demo_youtube_files
from apps.sources.demo_charts import demo_chart_files
from apps.sources.demo_feeds import (
    demo_linktree_files,
    demo_metaads_files,
    demo_spotify_files,
    demo_toolost_files,
)
from apps.sources.demo_social import demo_instagram_files, demo_tiktok_files


@dataclass(frozen=True)
class DemoFile:
    source_id: str
    account: str
    name: str
    content: bytes


def _named(source_id: str, files: dict[str, bytes]) -> list[DemoFile]:
    return [DemoFile(source_id, "", name, content) for name, content in files.items()]


def _entries(source_id: str, entries: list[tuple[str, str, bytes]]) -> list[DemoFile]:
    return [DemoFile(source_id, account, name, content) for account, name, content in entries]


def demo_files(*, today: date) -> list[DemoFile]:
    """Every demo file, in the order a label would have received them, ending before `today`.
    The source id is what the file is expected to be detected as; ingest never forces it."""
    return [
        *_named("distrokid", demo_statement_files(today=today)),
        *_entries("distrokid", demo_chart_files(today=today)),
        *_named("toolost", demo_toolost_files(today=today)),
        *_entries("spotify", demo_spotify_files(today=today)),
        *_entries("tiktok", demo_tiktok_files(today=today)),
        *_named("metaads", demo_metaads_files(today=today)),
        *_entries("linktree", demo_linktree_files(today=today)),
        *_entries("youtube", demo_youtube_files(today=today)),
        *_entries("mailchimp", demo_mailchimp_files(today=today)),
        *_entries("instagram", demo_instagram_files(today=today)),
        *_entries("submithub", demo_submithub_files(today=today)),
    ]

"""Deterministic, realistic Linktree analytics captures for fixtures, the demo and benchmarks.

Values are invented; shapes are the vendor's (SPEC 2.6): compact GraphQL responses, zero-filled
days, a daily CTR above 1, a percent benchmark, link totals with titles in `link<ID>` queries,
unrounded breakdown CTRs and city coordinates as strings. `currentUser` carries a made-up email
and name, so tests can prove that personal data never leaves the raw file.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

SAMPLE_EMAIL = "owner@example.invalid"
SAMPLE_REAL_NAME = "Sample Owner"

LINKS: tuple[tuple[int, str, bool], ...] = (
    (445371874, "ZONE A0", True),
    (445372129, "PIG1987", True),
    (453835498, "ZONE A0 - NOCTURNES EP", True),
    (472282266, "PIG1987 - MUD SEASON", False),
)


def analytics_capture_json(*, first_day: date, days: int, seed: int = 0) -> bytes:
    """A capture: a JSON array of the GraphQL responses of one analytics page visit."""
    rng = random.Random(seed)
    timeseries = []
    for offset in range(days):
        views = 0 if offset % 9 == 4 else 5 + rng.randrange(20)
        # One day with more clicks than views: a CTR above 1, as Linktree really reports.
        clicks = views + 3 if offset == 2 else rng.randrange(views + 1)
        timeseries.append(
            {
                "totalViews": views,
                "totalClicks": clicks,
                "uniqueViews": views // 2,
                "uniqueClicks": clicks // 2,
                "clickThroughRate": round(clicks / views, 4) if views else 0,
                "date": (first_day + timedelta(days=offset)).isoformat(),
                "__typename": "AccountActivity",
            }
        )
    total_views = sum(day["totalViews"] for day in timeseries)
    total_clicks = sum(day["totalClicks"] for day in timeseries)
    responses = [
        _current_user(),
        _analytics(
            {
                "overview": {
                    "totalViews": total_views,
                    "totalClicks": total_clicks,
                    "clickThroughRate": round(total_clicks / total_views, 4) if total_views else 0,
                    "timeToClick": 0,
                    "clickThroughBenchmark": 80.6429,
                    "timeseries": timeseries,
                    "__typename": "AccountOverview",
                }
            }
        ),
        _analytics({"links": [_link_total(link_id, rng) for link_id, _, _ in LINKS]}),
        {
            "data": {
                f"link{link_id}": _link_details(link_id, title, active)
                for link_id, title, active in LINKS
            }
        },
        _analytics(_breakdowns()),
    ]
    return json.dumps(responses, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def demo_linktree_files(*, seed: int = 1987) -> list[tuple[str, str, bytes]]:
    """The demo's Linktree capture as (account, arrival name, content)."""
    content = analytics_capture_json(first_day=date(2025, 1, 1), days=90, seed=seed)
    return [("", "linktree_analytics_20250331.json", content)]


def _analytics(fields: dict[str, object]) -> dict[str, object]:
    return {"data": {"getAccountAnalytics": {**fields, "__typename": "AccountAnalytics"}}}


def _current_user() -> dict[str, object]:
    return {
        "data": {
            "currentUser": {
                "id": 1,
                "email": SAMPLE_EMAIL,
                "realName": SAMPLE_REAL_NAME,
                "__typename": "User",
            }
        }
    }


def _link_total(link_id: int, rng: random.Random) -> dict[str, object]:
    return {
        "id": link_id,
        "clicks": {"total": 5 + rng.randrange(200), "__typename": "AccountClicks"},
        "breakdown": None,
        "__typename": "AccountLink",
    }


def _link_details(link_id: int, title: str, active: bool) -> dict[str, object]:
    return {"id": link_id, "title": title, "active": active, "__typename": "Link"}


def _entry(name: str | None, views: int, clicks: int, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        **extra,
        "views": {"total": views, "__typename": "AccountViews"},
        "clicks": {"total": clicks, "__typename": "AccountClicks"},
        "clickThroughRate": clicks / views if views else 0,
    }


def _breakdowns() -> dict[str, object]:
    return {
        "locations": {
            "countries": [
                _entry("United States", 26, 20, countryCode="US"),
                _entry("Canada", 5, 2, countryCode="CA"),
                _entry("Georgia", 1, 6, countryCode="GE"),
            ],
            "cities": [
                _entry("Tempe", 6, 0, countryCode="US", coordinates=["33.3908", "-111.9184"]),
                _entry("Toronto", 2, 1, countryCode="CA", coordinates=["43.7154", "-79.3896"]),
                _entry(None, 0, 3, countryCode="US", coordinates=["37.751", "-97.822"]),
            ],
        },
        "referrers": {"referrers": [_entry("Tiktok", 41, 24), _entry("Direct", 5, 7)]},
        "devices": {"devices": [_entry("mobile", 65, 38), _entry("desktop", 8, 8)]},
    }

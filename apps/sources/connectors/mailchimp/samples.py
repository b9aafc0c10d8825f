"""Deterministic, realistic Mailchimp API v3 responses for fixtures, the demo and benchmarks.

Values are invented; shapes are the vendor's (SPEC 2.8): a `/reports` page whose rates are
fractions (and whose `list_stats` rates are percents the parser never reads), a `/lists/{id}`
whose `stats` rates are 0-100 and whose contact block carries a made-up address, and a
growth history whose older months have only `existing`, `imports` and `optins`.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

LIST_ID = "a1b2c3d4e5"
SAMPLE_COMPANY = "Sample Label LLC"
SAMPLE_ADDRESS = "1 Example Street"

CAMPAIGNS: tuple[tuple[str, str, str], ...] = (
    ("8f2e6a1c4b", "ZONE A0 - NOCTURNES EP out now", "NOCTURNES is out everywhere"),
    ("3c9d0b7e21", "PIG1987 - MUD SEASON pre-save", "Pre-save MUD SEASON"),
    ("d41d8cd98f", "Label newsletter - spring", "What we did this spring"),
    ("77aa01be5c", "ZONE A0 tour dates", "ZONE A0 live: four cities"),
)


def reports_json(*, first_send: datetime, seed: int = 0) -> bytes:
    """A `/reports` page: one report per campaign, a week apart, rates as fractions."""
    rng = random.Random(seed)
    reports = [
        _report(campaign, first_send + timedelta(days=7 * index), rng)
        for index, campaign in enumerate(CAMPAIGNS)
    ]
    document = {"reports": reports, "total_items": len(reports), "_links": []}
    return json.dumps(document, indent=2).encode("utf-8")


def _report(campaign: tuple[str, str, str], sent_at: datetime, rng: random.Random) -> dict:
    campaign_id, title, subject = campaign
    sent = 800 + rng.randrange(400)
    hard, soft = rng.randrange(6), rng.randrange(12)
    delivered = sent - hard - soft
    unique_opens = delivered * (30 + rng.randrange(25)) // 100
    unique_clicks = unique_opens * (5 + rng.randrange(15)) // 100
    return {
        "id": campaign_id,
        "campaign_title": title,
        "type": "regular",
        "list_id": LIST_ID,
        "list_is_active": True,
        "list_name": "Bedrot fans",
        "subject_line": subject,
        "preview_text": "",
        "emails_sent": sent,
        "abuse_reports": rng.randrange(2),
        "unsubscribed": rng.randrange(9),
        "send_time": sent_at.isoformat(),
        "bounces": {"hard_bounces": hard, "soft_bounces": soft, "syntax_errors": 0},
        "forwards": {"forwards_count": 0, "forwards_opens": 0},
        "opens": {
            "opens_total": unique_opens * 2,
            "unique_opens": unique_opens,
            "open_rate": round(unique_opens / delivered, 6),
            "last_open": (sent_at + timedelta(days=3)).isoformat(),
        },
        "clicks": {
            "clicks_total": unique_clicks + rng.randrange(20),
            "unique_clicks": unique_clicks,
            "unique_subscriber_clicks": unique_clicks,
            "click_rate": round(unique_clicks / delivered, 6),
            "last_click": (sent_at + timedelta(days=2)).isoformat(),
        },
        # Percents, unlike the report's own rates: the parser never reads this block.
        "list_stats": {"sub_rate": 4.2, "unsub_rate": 0.8, "open_rate": 41.35, "click_rate": 6.1},
        "_links": [],
    }


def list_json(*, member_count: int = 1874) -> bytes:
    """A `/lists/{id}` response; `stats.open_rate` and `click_rate` are 0-100."""
    document = {
        "id": LIST_ID,
        "web_id": 118306,
        "name": "Bedrot fans",
        "contact": {
            "company": SAMPLE_COMPANY,
            "address1": SAMPLE_ADDRESS,
            "city": "Tempe",
            "state": "AZ",
            "zip": "85281",
            "country": "US",
        },
        "campaign_defaults": {"from_name": "Bedrot", "from_email": "news@example.invalid"},
        "date_created": "2021-06-02T18:11:40+00:00",
        "stats": {
            "member_count": member_count,
            "total_contacts": member_count + 240,
            "unsubscribe_count": 131,
            "cleaned_count": 57,
            "member_count_since_send": 12,
            "campaign_count": 38,
            "campaign_last_sent": "2025-03-21T17:00:00+00:00",
            "avg_sub_rate": 22,
            "avg_unsub_rate": 1,
            "open_rate": 42.5,
            "click_rate": 4.35,
            "last_sub_date": "2025-03-30T09:12:44+00:00",
        },
        "_links": [],
    }
    return json.dumps(document, indent=2).encode("utf-8")


def growth_json(*, first_month: date, months: int, seed: int = 0) -> bytes:
    """A growth history, newest month first as Mailchimp lists it; months before 2019 carry
    only `existing`, `imports` and `optins`."""
    rng = random.Random(seed)
    existing = 900
    month = first_month
    rows = []
    for _ in range(months):
        optins = 10 + rng.randrange(60)
        row: dict[str, object] = {
            "list_id": LIST_ID,
            "month": f"{month:%Y-%m}",
            "existing": existing,
            "imports": rng.randrange(3) * 25,
            "optins": optins,
        }
        if month.year >= 2019:
            unsubscribed = rng.randrange(8)
            cleaned = rng.randrange(5)
            row.update(
                subscribed=existing + optins,
                unsubscribed=unsubscribed,
                reconfirm=0,
                cleaned=cleaned,
                pending=rng.randrange(4),
                deleted=0,
                transactional=0,
            )
        rows.append(row)
        existing += optins
        month = (month + timedelta(days=32)).replace(day=1)
    history = [{**row, "_links": []} for row in reversed(rows)]
    document = {"history": history, "list_id": LIST_ID, "total_items": len(history)}
    return json.dumps(document, indent=2).encode("utf-8")


def demo_mailchimp_files(*, today: date) -> list[tuple[str, str, bytes]]:
    """The demo's Mailchimp responses as (account, arrival name, content)."""
    first_send = datetime(today.year, today.month, 1, 17, 0, tzinfo=UTC) - timedelta(days=60)
    # From late 2018, so the oldest months show the counts Mailchimp leaves out.
    first_month = date(2018, 10, 1)
    months = (today.year - first_month.year) * 12 + today.month - first_month.month + 1
    growth = growth_json(first_month=first_month, months=months)
    return [
        ("", "mailchimp_reports.json", reports_json(first_send=first_send, seed=1987)),
        ("", f"mailchimp_list_{LIST_ID}.json", list_json()),
        ("", f"mailchimp_growth_{LIST_ID}.json", growth),
    ]

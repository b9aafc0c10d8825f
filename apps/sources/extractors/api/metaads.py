"""Meta Ads through the Marketing API (SPEC 2.5): daily ad set insights, reach, objects.

Each response page is saved whole as its own landing file (kinds `api_insights`,
`api_entities`); `paging.next` is followed to the end. The last 28 days are re-read every run
because Meta restates them (attribution). Empty pages are not saved: they carry nothing and
an empty `data` list names no kind.
"""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.sources.credentials import credential_mark
from apps.sources.extractors.api.common import ApiExtractor
from apps.sources.extractors.api.graph import (
    GraphTokenRefresh,
    debug_token,
    graph_hook,
    pace,
)
from apps.sources.extractors.base import CredentialRejected, write_landing_json
from apps.sources.http import HttpClient

KIND_TOKEN = "api_token"
KIND_INSIGHTS = "api_insights"
KIND_ENTITIES = "api_entities"
RESTATEMENT_DAYS = 28
PAGE_LIMIT = 500
# A run that pages further than this is stuck in a loop, not reading a real account.
MAX_PAGES = 200

INSIGHT_FIELDS = (
    "account_currency,campaign_id,campaign_name,adset_id,adset_name,spend,impressions,reach,"
    "frequency,clicks,inline_link_clicks,ctr,inline_link_click_ctr,actions,date_start,date_stop"
)
REACH_FIELDS = "account_currency,campaign_id,campaign_name,reach,impressions,spend"
ENTITY_FIELDS = {
    "campaigns": "id,name,status,effective_status,objective,account_id,start_time,stop_time,"
    "created_time,updated_time,daily_budget,lifetime_budget",
    "adsets": "id,name,status,effective_status,campaign_id,account_id,daily_budget,"
    "lifetime_budget,targeting,start_time,end_time,created_time,updated_time",
    "ads": "id,name,status,effective_status,campaign_id,adset_id,account_id,created_time,"
    "updated_time",
}


class MetaAdsExtractor(GraphTokenRefresh, ApiExtractor):
    source = "metaads"
    credential_kind = KIND_TOKEN
    default_base_url = "https://graph.facebook.com"

    @property
    def graph_base(self) -> str:
        return f"{self.base_url}/{settings.META_GRAPH_API_VERSION}"

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        data = self.credential(account)
        token = self.required(data, "access_token", account)
        ad_account = "act_" + self.required(data, "ad_account_id", account).removeprefix("act_")
        client = self.client(secrets=[token, data.get("app_secret", "")])
        until = self.today()
        start = min(since, until) if since else until - timedelta(days=RESTATEMENT_DAYS)
        base = f"{self.graph_base}/{ad_account}"
        pages: list[Path] = []
        daily = {
            "level": "adset",
            "time_increment": "1",
            "time_range": _time_range(start, until),
            "fields": INSIGHT_FIELDS,
        }
        pages += self._pages(client, f"{base}/insights", daily, token, landing_dir, KIND_INSIGHTS)
        for month_start, month_end in _months(start, until):
            monthly = {
                "level": "campaign",
                "time_range": _time_range(month_start, month_end),
                "fields": REACH_FIELDS,
            }
            url = f"{base}/insights"
            pages += self._pages(client, url, monthly, token, landing_dir, KIND_INSIGHTS)
        lifetime = {"level": "campaign", "date_preset": "maximum", "fields": REACH_FIELDS}
        pages += self._pages(
            client, f"{base}/insights", lifetime, token, landing_dir, KIND_INSIGHTS
        )
        for edge, fields in ENTITY_FIELDS.items():
            params = {"fields": fields}
            pages += self._pages(
                client, f"{base}/{edge}", params, token, landing_dir, KIND_ENTITIES
            )
        return pages

    def _pages(
        self,
        client: HttpClient,
        url: str,
        params: dict[str, str],
        token: str,
        landing_dir: Path,
        kind: str,
    ) -> list[Path]:
        """Every page of one edge, following `paging.next` (which carries its own query)."""
        saved: list[Path] = []
        next_url: str | None = url
        next_params: dict[str, str] | None = {**params, "limit": str(PAGE_LIMIT)}
        hook = graph_hook(client.secrets)
        for _ in range(MAX_PAGES):
            if next_url is None:
                return saved
            response = client.request(
                "GET",
                next_url,
                params=next_params,
                hook=hook,
                headers={"Authorization": f"Bearer {token}"},
            )
            document = response.json()
            rows = document.get("data") if isinstance(document, dict) else None
            if rows:
                saved.append(
                    write_landing_json(landing_dir=landing_dir, kind=kind, payload=document)
                )
            next_url = _next_page(document)
            next_params = None
            pace(client, response)
        return saved

    def verify(self, *, account: str) -> bool:
        data = self.credential(account)
        token = self.required(data, "access_token", account)
        client = self.client(secrets=[token])
        try:
            is_valid, expires_at = debug_token(client, base=self.graph_base, token=token)
        except CredentialRejected:
            return False
        if is_valid:
            credential_mark(
                source=self.source,
                account=account,
                kind=self.credential_kind,
                status="valid",
                expires_at=expires_at,
                verified=True,
            )
        return is_valid


def _time_range(start: date, end: date) -> str:
    return json.dumps({"since": start.isoformat(), "until": end.isoformat()}, separators=(",", ":"))


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """Calendar months touched by the window, each cut at `end`; a one-day month is skipped
    (its row would look like a daily campaign row)."""
    months = []
    cursor = start.replace(day=1)
    while cursor <= end:
        last = cursor.replace(day=calendar.monthrange(cursor.year, cursor.month)[1])
        month_end = min(last, end)
        if month_end > cursor:
            months.append((cursor, month_end))
        cursor = last + timedelta(days=1)
    return months


def _next_page(document: Any) -> str | None:
    paging = document.get("paging") if isinstance(document, dict) else None
    next_url = paging.get("next") if isinstance(paging, dict) else None
    return next_url if isinstance(next_url, str) and next_url else None

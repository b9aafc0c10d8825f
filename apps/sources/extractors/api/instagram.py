"""Instagram insights through the Graph API (SPEC 2.9): daily metrics and the profile.

`reach` and `follower_count` come as day series over the window. `views` is a total_value
metric with no `end_time` of its own, so it is asked for one day at a time and the day's
`end_time` (the end of the US-Pacific day, in UTC) is written next to it, as the parser
expects. Where `views` is not offered yet (older Graph versions answer error 100) the run
falls back to `impressions` under its own name; a metric Graph refuses with error 100 (for
example `follower_count` under 100 followers) is skipped, not an error.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.sources.extractors.api.common import ApiExtractor
from apps.sources.extractors.api.graph import (
    GraphTokenRefresh,
    GraphUnsupported,
    graph_hook,
)
from apps.sources.extractors.base import CredentialRejected, write_landing_json
from apps.sources.http import HttpClient

logger = logging.getLogger(__name__)

KIND_TOKEN = "api_token"
KIND_INSIGHTS = "api_insights"
KIND_PROFILE = "api_profile"
WINDOW_DAYS = 7
DAY_SERIES_METRICS = ("reach", "follower_count")
PROFILE_FIELDS = "username,followers_count,follows_count,media_count"
PACIFIC = ZoneInfo("America/Los_Angeles")


def pacific_day_end(day: date) -> datetime:
    """The instant a US-Pacific day ends (midnight starting the next day), aware."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=PACIFIC)


def graph_end_time(day: date) -> str:
    """`end_time` as Graph writes it: UTC with a +0000 offset."""
    return pacific_day_end(day).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S+0000")


class InstagramExtractor(GraphTokenRefresh, ApiExtractor):
    source = "instagram"
    credential_kind = KIND_TOKEN
    default_base_url = "https://graph.facebook.com"

    @property
    def graph_base(self) -> str:
        return f"{self.base_url}/{settings.META_GRAPH_API_VERSION}"

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        data = self.credential(account)
        token = self.required(data, "access_token", account)
        user_id = self.required(data, "user_id", account)
        client = self.client(secrets=[token, data.get("app_secret", "")])
        headers = {"Authorization": f"Bearer {token}"}
        last_day = self.today() - timedelta(days=1)
        first_day = min(since, last_day) if since else last_day - timedelta(days=WINDOW_DAYS - 1)
        insights_url = f"{self.graph_base}/{user_id}/insights"
        saved: list[Path] = []
        window = {
            "period": "day",
            "since": str(int(pacific_day_end(first_day - timedelta(days=1)).timestamp())),
            "until": str(int(pacific_day_end(last_day).timestamp())),
        }
        for metric in DAY_SERIES_METRICS:
            document = self._insights(client, insights_url, {**window, "metric": metric}, headers)
            if document is not None:
                saved.append(self._save(landing_dir, KIND_INSIGHTS, document))
        saved += self._views(
            client, insights_url, headers, first_day, last_day, window, landing_dir
        )
        profile = client.get_json(
            f"{self.graph_base}/{user_id}",
            params={"fields": PROFILE_FIELDS},
            headers=headers,
            hook=graph_hook(client.secrets),
        )
        saved.append(self._save(landing_dir, KIND_PROFILE, profile))
        return saved

    def _views(
        self,
        client: HttpClient,
        url: str,
        headers: dict[str, str],
        first_day: date,
        last_day: date,
        window: dict[str, str],
        landing_dir: Path,
    ) -> list[Path]:
        saved: list[Path] = []
        day = first_day
        while day <= last_day:
            params = {
                "metric": "views",
                "metric_type": "total_value",
                "period": "day",
                "since": str(int(pacific_day_end(day - timedelta(days=1)).timestamp())),
                "until": str(int(pacific_day_end(day).timestamp())),
            }
            document = self._insights(client, url, params, headers)
            if document is None:
                # `views` is not offered here: read the older `impressions` series instead.
                fallback = self._insights(client, url, {**window, "metric": "impressions"}, headers)
                return saved + (
                    [self._save(landing_dir, KIND_INSIGHTS, fallback)] if fallback else []
                )
            for item in document.get("data") or []:
                if isinstance(item, dict) and "total_value" in item:
                    item.setdefault("end_time", graph_end_time(day))
            saved.append(self._save(landing_dir, KIND_INSIGHTS, document))
            day += timedelta(days=1)
        return saved

    def _insights(
        self, client: HttpClient, url: str, params: dict[str, str], headers: dict[str, str]
    ) -> dict[str, Any] | None:
        """One insights answer with data, or None when Graph does not offer the metric."""
        try:
            document = client.get_json(
                url, params=params, headers=headers, hook=graph_hook(client.secrets)
            )
        except GraphUnsupported:
            logger.info("instagram_metric_unsupported metric=%s", params.get("metric"))
            return None
        if not isinstance(document, dict) or not document.get("data"):
            return None
        document.pop("paging", None)  # its URLs would only repeat the query
        return document

    @staticmethod
    def _save(landing_dir: Path, kind: str, document: Any) -> Path:
        return write_landing_json(landing_dir=landing_dir, kind=kind, payload=document)

    def verify(self, *, account: str) -> bool:
        data = self.credential(account)
        token = self.required(data, "access_token", account)
        user_id = self.required(data, "user_id", account)
        client = self.client(secrets=[token])
        try:
            client.request(
                "GET",
                f"{self.graph_base}/{user_id}",
                params={"fields": "id"},
                headers={"Authorization": f"Bearer {token}"},
                hook=graph_hook(client.secrets),
            )
        except CredentialRejected:
            return False
        return True

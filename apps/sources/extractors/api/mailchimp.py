"""Mailchimp Marketing API v3 (SPEC 2.8): campaign reports, list stats, list growth history.

The API key ends in its data centre (`...-us21`), which names the host. Reports are paged with
`count` and `offset` up to `total_items`; each page, each list and each growth history is its
own landing file (kinds `api_reports`, `api_list`, `api_growth`). Only the list fields the
parser reads are asked for, so the list's postal address never lands.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from apps.health.errors import PermanentError
from apps.sources.extractors.api.common import ApiExtractor
from apps.sources.extractors.base import CredentialRejected, write_landing_json
from apps.sources.http import HttpClient

KIND_KEY = "api_key"
KIND_REPORTS = "api_reports"
KIND_LIST = "api_list"
KIND_GROWTH = "api_growth"
PAGE_COUNT = 1000
# Campaigns sent in the last 90 days are re-read (their opens and clicks still move).
WINDOW_DAYS = 90
MAX_PAGES = 100
LIST_FIELDS = "id,name,date_created,stats"


class MailchimpExtractor(ApiExtractor):
    source = "mailchimp"
    credential_kind = KIND_KEY
    # `{dc}` is the API key's suffix; a test passes a plain base URL instead.
    default_base_url = "https://{dc}.api.mailchimp.com"

    def _base_and_auth(self, account: str) -> tuple[str, dict[str, str], list[str]]:
        data = self.credential(account)
        key = self.required(data, "api_key", account)
        data_centre = key.rsplit("-", 1)[-1] if "-" in key else ""
        if "{dc}" in self.base_url and not data_centre.isalnum():
            raise PermanentError("the Mailchimp API key has no data-centre suffix (-us21)")
        base = self.base_url.replace("{dc}", data_centre)
        basic = base64.b64encode(f"bedrot:{key}".encode()).decode()
        return base, {"Authorization": f"Basic {basic}"}, [key, basic]

    def client_for(self, base: str, secrets: list[str]) -> HttpClient:
        original = self.base_url
        self.base_url = base  # the allowlist holds the data centre's own host
        try:
            return self.client(secrets=secrets)
        finally:
            self.base_url = original

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        base, headers, secrets = self._base_and_auth(account)
        client = self.client_for(base, secrets)
        start = since or self.today() - timedelta(days=WINDOW_DAYS)
        since_send = datetime.combine(start, time.min, tzinfo=UTC).isoformat()
        saved: list[Path] = []
        list_ids: list[str] = []
        offset = 0
        for _ in range(MAX_PAGES):
            page = client.get_json(
                f"{base}/3.0/reports",
                params={"count": PAGE_COUNT, "offset": offset, "since_send_time": since_send},
                headers=headers,
            )
            reports = page.get("reports") or []
            saved.append(
                write_landing_json(landing_dir=landing_dir, kind=KIND_REPORTS, payload=page)
            )
            list_ids += [str(r["list_id"]) for r in reports if r.get("list_id")]
            offset += len(reports)
            if not reports or offset >= int(page.get("total_items") or 0):
                break
        for list_id in dict.fromkeys(list_ids + self._stored_list_ids(account)):
            saved += self._list_files(client, base, headers, list_id, landing_dir)
        return saved

    def _stored_list_ids(self, account: str) -> list[str]:
        stored = self.credential(account).get("list_ids") or []
        return [str(item) for item in stored] if isinstance(stored, list) else []

    def _list_files(
        self,
        client: HttpClient,
        base: str,
        headers: dict[str, str],
        list_id: str,
        landing_dir: Path,
    ) -> list[Path]:
        details: Any = client.get_json(
            f"{base}/3.0/lists/{list_id}", params={"fields": LIST_FIELDS}, headers=headers
        )
        growth: Any = client.get_json(
            f"{base}/3.0/lists/{list_id}/growth-history",
            params={"count": PAGE_COUNT},
            headers=headers,
        )
        return [
            write_landing_json(landing_dir=landing_dir, kind=KIND_LIST, payload=details),
            write_landing_json(landing_dir=landing_dir, kind=KIND_GROWTH, payload=growth),
        ]

    def verify(self, *, account: str) -> bool:
        base, headers, secrets = self._base_and_auth(account)
        try:
            self.client_for(base, secrets).request("GET", f"{base}/3.0/ping", headers=headers)
        except CredentialRejected:
            return False
        return True

    def refresh(self, *, account: str) -> bool:
        """API keys do not expire and cannot be renewed by Bedrot."""
        return False

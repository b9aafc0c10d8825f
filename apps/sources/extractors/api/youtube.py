"""YouTube Analytics API v2 (SPEC 2.7): one `reports.query` per channel, dimension day.

The OAuth refresh token buys a short-lived access token for each run. The saved file holds the
request next to the response (`{"request": ..., "response": ...}`), as the parser expects, so
the window travels with the data and absent days can be told from days not yet reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from apps.health.errors import PermanentError
from apps.sources.connectors.youtube.api_report import METRIC_COLUMNS
from apps.sources.connectors.youtube.channels import channel_by_slug
from apps.sources.extractors.api.common import ApiExtractor
from apps.sources.extractors.base import CredentialRejected, write_landing_json
from apps.sources.http import HttpClient, host_of

KIND_OAUTH = "oauth_refresh"
KIND_REPORT = "api_report"
# Re-read each run: YouTube's figures settle over 48-72 h (SPEC 2.0 table).
WINDOW_DAYS = 30
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"


class YouTubeExtractor(ApiExtractor):
    source = "youtube"
    credential_kind = KIND_OAUTH
    default_base_url = "https://youtubeanalytics.googleapis.com"

    def __init__(self, *, token_url: str | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.token_url = token_url or DEFAULT_TOKEN_URL

    def extra_hosts(self) -> Iterable[str]:
        return (host_of(self.token_url),)

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        data = self.credential(account)
        client = self.client(secrets=_secrets(data))
        access_token = self._access_token(client, data, account)
        client.secrets = (*client.secrets, access_token)
        end = self.today()
        start = min(since, end) if since else end - timedelta(days=WINDOW_DAYS)
        params = {
            "ids": "channel==MINE",
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "metrics": ",".join(METRIC_COLUMNS),
            "dimensions": "day",
            "sort": "day",
        }
        response = client.request(
            "GET",
            f"{self.base_url}/v2/reports",
            params=params,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        request = {
            **params,
            "channelId": self._channel_id(data, account),
            "fetchedAt": datetime.now(tz=UTC).isoformat().replace("+00:00", "Z"),
        }
        document = {"request": request, "response": response.json()}
        return [write_landing_json(landing_dir=landing_dir, kind=KIND_REPORT, payload=document)]

    def _channel_id(self, data: dict[str, object], account: str) -> str:
        stored = str(data.get("channel_id") or "")
        if stored:
            return stored
        channel = channel_by_slug(account)
        return channel.channel_id if channel else ""

    def _access_token(self, client: HttpClient, data: dict[str, object], account: str) -> str:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.required(data, "client_id", account),  # type: ignore[arg-type]
            "client_secret": self.required(data, "client_secret", account),  # type: ignore[arg-type]
            "refresh_token": self.required(data, "refresh_token", account),  # type: ignore[arg-type]
        }
        try:
            response = client.request("POST", self.token_url, form=form)
        except PermanentError as error:
            # Google answers 400 invalid_grant for a revoked or expired refresh token.
            if "invalid_grant" in error.message or isinstance(error, CredentialRejected):
                raise CredentialRejected(
                    "Google refused the refresh token (invalid_grant): reconnect YouTube"
                ) from None
            raise
        token = str(response.json().get("access_token") or "")
        if not token:
            raise PermanentError("Google token endpoint answered without an access_token")
        return token

    def verify(self, *, account: str) -> bool:
        data = self.credential(account)
        client = self.client(secrets=_secrets(data))
        try:
            self._access_token(client, data, account)
        except CredentialRejected:
            return False
        return True

    def refresh(self, *, account: str) -> bool:
        """OAuth needs no stored refresh: each run mints an access token. True when it can."""
        return self.verify(account=account)


def _secrets(data: dict[str, object]) -> list[str]:
    return [str(data.get(name) or "") for name in ("client_secret", "refresh_token")]

"""What every API extractor shares: its base URL, its stored credential and its HTTP client."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from apps.sources.credentials import credential_load
from apps.sources.extractors.base import CredentialMissing
from apps.sources.http import HttpClient, host_of


def utc_today() -> date:
    return datetime.now(tz=UTC).date()


class ApiExtractor:
    """Base of the official-API extractors; tests point `base_url` at a fake vendor server."""

    source: ClassVar[str]
    # How fetched files are marked in the lake: API data beats exports in curated (SPEC 3.5).
    origin: ClassVar[str] = "api"
    credential_kind: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_options: dict[str, Any] | None = None,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.client_options = dict(client_options or {})
        self.today = today

    def extra_hosts(self) -> Iterable[str]:
        return ()

    def client(self, *, secrets: Iterable[str]) -> HttpClient:
        hosts = frozenset({host_of(self.base_url), *self.extra_hosts()})
        return HttpClient(
            allowed_hosts=hosts,
            secrets=tuple(secret for secret in secrets if secret),
            **self.client_options,
        )

    def credential(self, account: str) -> dict[str, Any]:
        data = credential_load(source=self.source, account=account, kind=self.credential_kind)
        if data is None:
            raise CredentialMissing(
                f"no {self.credential_kind} stored for {self.source}/{account or '-'}; "
                "enter one on the credentials page"
            )
        return data

    def required(self, data: dict[str, Any], name: str, account: str) -> str:
        value = str(data.get(name) or "").strip()
        if not value:
            raise CredentialMissing(
                f"the stored {self.source}/{account or '-'} credential has no {name}"
            )
        return value

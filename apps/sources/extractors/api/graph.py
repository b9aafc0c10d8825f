"""Meta Graph API conventions shared by Meta Ads and Instagram: errors, usage headers, tokens.

Error 190 is an expired or revoked token: the credential is marked and the call is never
retried. Rate limits (codes 4, 17, 613, 80000-80014, 2446079) are waited out using the usage
headers, never treated as transient errors. Every response's usage headers are read, so the
run slows down before Meta starts refusing it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.health.errors import PermanentError
from apps.sources.credentials import credential_save
from apps.sources.extractors.base import CredentialRejected
from apps.sources.http import HttpClient, HttpResponse, WaitAndRetry, redact

logger = logging.getLogger(__name__)

EXPIRED_TOKEN_CODE = 190
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 2446079, *range(80000, 80015)})
UNSUPPORTED_CODE = 100
# Used when a rate-limit error names no reset time.
DEFAULT_RATE_LIMIT_WAIT_S = 60.0
# Above this share of a quota (percent) the run pauses before its next call.
USAGE_PAUSE_PERCENT = 90
USAGE_HEADERS = ("x-business-use-case-usage", "x-ad-account-usage", "x-app-usage")


class GraphUnsupported(PermanentError):
    """Error 100: this metric or object is not supported here; the caller may skip it."""

    code = "graph_unsupported"


def graph_error(response: HttpResponse) -> dict[str, Any] | None:
    try:
        document = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return None
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else None


def usage_wait_seconds(response: HttpResponse) -> float:
    """Seconds to wait before the next call, from every usage header Meta sent (0: go on)."""
    wait_s = 0.0
    for name in USAGE_HEADERS:
        raw = response.header(name)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        for entry in _usage_entries(usage):
            wait_s = max(wait_s, _entry_wait_s(entry))
    return wait_s


def _usage_entries(usage: object) -> list[dict[str, Any]]:
    """x-business-use-case-usage is {business_id: [entries]}; the others are one entry."""
    if isinstance(usage, dict) and all(isinstance(value, list) for value in usage.values()):
        return [entry for value in usage.values() for entry in value if isinstance(entry, dict)]
    return [usage] if isinstance(usage, dict) else []


def _entry_wait_s(entry: dict[str, Any]) -> float:
    regain_min = _number(entry.get("estimated_time_to_regain_access"))
    if regain_min > 0:
        return regain_min * 60
    percents = [
        _number(entry.get(key))
        for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct")
    ]
    if max(percents, default=0) >= USAGE_PAUSE_PERCENT:
        reset_s = _number(entry.get("reset_time_duration"))
        return reset_s if reset_s > 0 else DEFAULT_RATE_LIMIT_WAIT_S
    return 0.0


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def graph_hook(secrets: tuple[str, ...]) -> Any:
    """Map Graph error bodies: 190 -> CredentialRejected, rate limits -> wait, 100 -> skip."""

    def hook(response: HttpResponse) -> None:
        if response.status < 400:
            return
        error = graph_error(response)
        if error is None:
            return  # no Graph body: the client's status mapping decides
        code = error.get("code")
        message = redact(str(error.get("message", ""))[:200], secrets)
        if code == EXPIRED_TOKEN_CODE:
            raise CredentialRejected(f"Meta refused the token (error 190): {message}")
        if code in RATE_LIMIT_CODES:
            wait_s = usage_wait_seconds(response) or DEFAULT_RATE_LIMIT_WAIT_S
            raise WaitAndRetry(wait_s, f"Meta rate limit (error {code})")
        if code == UNSUPPORTED_CODE and response.status == 400:
            raise GraphUnsupported(f"Graph error 100: {message}")
        if response.status < 500 and response.status != 429:
            raise PermanentError(f"Graph error {code}: {message}")

    return hook


def pace(client: HttpClient, response: HttpResponse) -> None:
    """Pause before the next call when a quota is nearly used up."""
    wait_s = usage_wait_seconds(response)
    if wait_s > 0:
        logger.warning("meta_usage_pause wait_s=%.0f", wait_s)
        client.sleep(min(wait_s, client.max_inline_wait_s))


def debug_token(client: HttpClient, *, base: str, token: str) -> tuple[bool, datetime | None]:
    """(is_valid, expires_at) from debug_token; expires_at 0 means the token never expires."""
    response = client.request(
        "GET",
        f"{base}/debug_token",
        params={"input_token": token, "access_token": token},
        hook=graph_hook(client.secrets),
    )
    data = response.json().get("data") or {}
    expires = int(data.get("expires_at") or 0)
    expires_at = (
        datetime.fromtimestamp(expires, tz=timezone.get_current_timezone()) if expires else None
    )
    return bool(data.get("is_valid")), expires_at


def exchange_long_lived_token(
    client: HttpClient, *, base: str, app_id: str, app_secret: str, token: str
) -> tuple[str, datetime | None]:
    """A fresh long-lived token (about 60 days) for a still-valid one."""
    response = client.request(
        "GET",
        f"{base}/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": app_id,
            "client_secret": app_secret,
            "fb_exchange_token": token,
        },
        hook=graph_hook(client.secrets),
    )
    document = response.json()
    new_token = str(document.get("access_token") or "")
    if not new_token:
        raise PermanentError("token exchange answered without an access_token")
    expires_in = int(document.get("expires_in") or 0)
    expires_at = timezone.now() + timedelta(seconds=expires_in) if expires_in else None
    return new_token, expires_at


class GraphTokenRefresh:
    """`refresh` for the Graph API extractors (Meta Ads, Instagram): exchange the stored token
    for a fresh long-lived one while it is still valid."""

    def refresh(self, *, account: str) -> bool:
        data = self.credential(account)  # type: ignore[attr-defined]
        if not (data.get("app_id") and data.get("app_secret")):
            return False  # a system-user token cannot be renewed from here; a human re-enters
        token = self.required(data, "access_token", account)  # type: ignore[attr-defined]
        client = self.client(secrets=[token, data["app_secret"]])  # type: ignore[attr-defined]
        try:
            new_token, expires_at = exchange_long_lived_token(
                client,
                base=self.graph_base,  # type: ignore[attr-defined]
                app_id=data["app_id"],
                app_secret=data["app_secret"],
                token=token,
            )
        except CredentialRejected:
            return False
        credential_save(
            source=self.source,  # type: ignore[attr-defined]
            account=account,
            kind=self.credential_kind,  # type: ignore[attr-defined]
            data={**data, "access_token": new_token},
            expires_at=expires_at,
        )
        return True

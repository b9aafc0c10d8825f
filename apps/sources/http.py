"""The one module that sends HTTP: timeouts, bounded retries, Retry-After, error mapping.

Every extractor talks to its vendor through `HttpClient`. Transient failures (connection
errors, timeouts, 429, 5xx) are retried with exponential backoff and jitter, honouring
`Retry-After` (seconds or an HTTP date); 4xx fail at once as PermanentError (401/403 as
CredentialRejected) so a refused login is never hammered. Log lines carry the host and path
only: query strings (where tokens travel) and known secrets are redacted.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

from apps.health.errors import PermanentError, TransientError
from apps.sources.extractors.base import CredentialRejected

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
# R30 / SPEC 6.5: three attempts, then the run fails (Celery may retry the whole run later).
MAX_ATTEMPTS = 3
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 60.0
# A longer Retry-After is not slept through inside a task: the TransientError carries it.
MAX_INLINE_WAIT_S = 300.0
# Vendor-announced rate-limit waits (Meta usage headers) have their own, separate budget.
MAX_RATE_LIMIT_WAITS = 5
# Bound on one response body; vendor JSON pages are far smaller.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
USER_AGENT = "Bedrot/0.1 (self-hosted label data platform)"

_SECRET_PARAM = re.compile(
    r"(?i)((?:access_token|refresh_token|client_secret|apikey|api_key|key|token|password|"
    r"code|fb_exchange_token|input_token|sig|signature)=)[^&\s\"']+"
)
_BEARER = re.compile(r"(?i)(bearer|basic|token|oauth)\s+[A-Za-z0-9._~+/=-]{8,}")
REDACTED = "***"


class _RedactingFilter(logging.Filter):
    """urllib3 logs every request line, query string (and tokens) included, at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactingFilter())


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise PermanentError(
                f"vendor answered {self.status} with a body that is not JSON"
            ) from None

    def text(self, limit: int = 300) -> str:
        return self.body[:limit].decode("utf-8", "replace")


class WaitAndRetry(Exception):
    """Raised by a vendor hook: the vendor said to wait `wait_s` seconds, then ask again."""

    def __init__(self, wait_s: float, reason: str) -> None:
        super().__init__(reason)
        self.wait_s = wait_s
        self.reason = reason


ResponseHook = Callable[[HttpResponse], None]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secrets, token-like query parameters and Authorization values from text."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _SECRET_PARAM.sub(lambda match: match.group(1) + REDACTED, text)
    return _BEARER.sub(lambda match: match.group(1) + " " + REDACTED, text)


def url_for_log(url: str) -> str:
    """Scheme, host and path only: query strings are where tokens travel."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse Retry-After: delta seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(tz=UTC))).total_seconds())


def backoff_seconds(attempt: int, *, base_s: float, max_s: float) -> float:
    """Exponential backoff with full jitter on top: base * 2^(attempt-1) + U(0, base)."""
    return min(max_s, base_s * (2 ** (attempt - 1)) + random.uniform(0, base_s))


@dataclass
class HttpClient:
    """A vendor client: explicit timeouts, an allowlist of hosts, bounded retries."""

    allowed_hosts: frozenset[str]
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    read_timeout_s: float = READ_TIMEOUT_S
    max_attempts: int = MAX_ATTEMPTS
    backoff_base_s: float = BACKOFF_BASE_S
    backoff_max_s: float = BACKOFF_MAX_S
    max_inline_wait_s: float = MAX_INLINE_WAIT_S
    max_rate_limit_waits: int = MAX_RATE_LIMIT_WAITS
    secrets: tuple[str, ...] = ()
    sleep: Callable[[float], None] = time.sleep
    _pool: urllib3.PoolManager = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=10,  # Mailchimp allows at most 10 concurrent connections.
            headers={"User-Agent": USER_AGENT},
            retries=False,
        )

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs).json()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        hook: ResponseHook | None = None,
    ) -> HttpResponse:
        """Send one request with retries; returns a 2xx response or raises a BedrotError."""
        full_url = _with_params(url, params)
        self._check_host(full_url)
        body, all_headers = _encode_body(json_body, form, headers)
        attempt = 0
        rate_limit_waits = 0
        while True:
            attempt += 1
            try:
                response = self._send_once(method, full_url, body, all_headers)
                if hook is not None:
                    hook(response)
                return self._accept(response)
            except WaitAndRetry as signal:
                rate_limit_waits += 1
                if rate_limit_waits > self.max_rate_limit_waits:
                    raise TransientError(
                        f"vendor rate limit still reached after {rate_limit_waits - 1} waits: "
                        f"{signal.reason}",
                        retry_after_s=signal.wait_s,
                    ) from None
                attempt -= 1  # a announced rate-limit wait is not a failed attempt
                self._wait(signal.wait_s, reason="rate_limit", url=full_url)
            except TransientError as error:
                if attempt >= self.max_attempts:
                    raise
                wait_s = error.retry_after_s
                if wait_s is None:
                    wait_s = backoff_seconds(
                        attempt, base_s=self.backoff_base_s, max_s=self.backoff_max_s
                    )
                elif wait_s > self.max_inline_wait_s:
                    raise  # too long to hold a worker: the task retries later
                self._wait(wait_s, reason=error.code, url=full_url)

    def _check_host(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        if host not in self.allowed_hosts:
            raise PermanentError(f"refusing to call host {host!r}: not one of this vendor's hosts")

    def _wait(self, wait_s: float, *, reason: str, url: str) -> None:
        logger.warning(
            "http_retry_wait url=%s reason=%s wait_s=%.2f",
            redact(url_for_log(url), self.secrets),
            reason,
            wait_s,
        )
        self.sleep(wait_s)

    def _send_once(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> HttpResponse:
        started = time.monotonic()
        log_url = redact(url_for_log(url), self.secrets)
        try:
            raw = self._pool.request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=self.connect_timeout_s, read=self.read_timeout_s),
                redirect=False,
                preload_content=False,
            )
            content = _read_bounded(raw)
        except Urllib3Error as error:
            logger.warning(
                "http_error method=%s url=%s error=%s", method, log_url, type(error).__name__
            )
            raise TransientError(f"{method} {log_url} failed: {type(error).__name__}") from None
        response = HttpResponse(
            status=raw.status,
            headers={name.lower(): value for name, value in raw.headers.items()},
            body=content,
            url=url,
        )
        logger.info(
            "http_response method=%s url=%s status=%s bytes=%s elapsed_ms=%d",
            method,
            log_url,
            response.status,
            len(content),
            (time.monotonic() - started) * 1000,
        )
        return response

    def _accept(self, response: HttpResponse) -> HttpResponse:
        status = response.status
        if 200 <= status < 300:
            return response
        where = redact(url_for_log(response.url), self.secrets)
        detail = redact(response.text(200), self.secrets)
        if status == 429 or status >= 500:
            raise TransientError(
                f"vendor answered {status} at {where}",
                retry_after_s=retry_after_seconds(response.header("retry-after")),
            )
        if status in (401, 403):
            raise CredentialRejected(f"vendor refused the credential ({status}) at {where}")
        if 300 <= status < 400:
            # APIs do not redirect; a redirect is a login page or a moved endpoint.
            raise CredentialRejected(f"vendor redirected ({status}) at {where}: login needed")
        raise PermanentError(f"vendor answered {status} at {where}: {detail}")


def _with_params(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    separator = "&" if urlsplit(url).query else "?"
    return url + separator + urlencode({k: v for k, v in params.items() if v is not None})


def _encode_body(
    json_body: Any, form: Mapping[str, str] | None, headers: Mapping[str, str] | None
) -> tuple[bytes | None, dict[str, str]]:
    all_headers = {"Accept": "application/json", **(headers or {})}
    if json_body is not None:
        all_headers["Content-Type"] = "application/json"
        return json.dumps(json_body).encode(), all_headers
    if form is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urlencode(form).encode(), all_headers
    return None, all_headers


def _read_bounded(raw: urllib3.BaseHTTPResponse) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in raw.stream(64 * 1024):
            total += len(chunk)
            if total > MAX_RESPONSE_BYTES:
                raise PermanentError(f"vendor response larger than {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
    finally:
        raw.release_conn()
    return b"".join(chunks)


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""

"""The HTTP chokepoint: timeouts, bounded retries, Retry-After, no retry on 4xx, redaction."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest

from apps.health.errors import PermanentError, TransientError
from apps.sources.extractors.base import CredentialRejected
from apps.sources.http import HttpClient, redact, retry_after_seconds
from apps.sources.tests.fake_vendor import FakeVendor, Reply, no_sleep_recorder


def _client(vendor: FakeVendor, **options: object) -> HttpClient:
    return HttpClient(allowed_hosts=frozenset({"127.0.0.1"}), **options)  # type: ignore[arg-type]


def test_http_retries_503_then_returns_the_200(vendor: FakeVendor) -> None:
    # given a vendor that fails once with 503
    vendor.on("GET", "/data", Reply(503, {"error": "busy"}), Reply(200, {"ok": 1}))
    waits, sleep = no_sleep_recorder()

    # when fetching
    body = _client(vendor, sleep=sleep).get_json(f"{vendor.url}/data")

    # then the second attempt succeeds after one backoff wait of 1-2 s (base 1 s + jitter)
    assert body == {"ok": 1}
    assert len(vendor.calls("/data")) == 2
    assert len(waits) == 1
    assert 1.0 <= waits[0] <= 2.0


def test_http_honours_retry_after_seconds_before_asking_again(vendor: FakeVendor) -> None:
    # given a 429 with Retry-After: 1
    vendor.on("GET", "/data", Reply(429, {}, {"Retry-After": "1"}), Reply(200, {"ok": 2}))

    # when fetching with the real sleep
    body = _client(vendor).get_json(f"{vendor.url}/data")

    # then 0 requests came before the announced second had passed
    first, second = vendor.calls("/data")
    assert body == {"ok": 2}
    assert second.at - first.at >= 1.0


def test_retry_after_http_date_is_read_as_seconds_from_now() -> None:
    now = datetime(2026, 5, 11, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 11 May 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("120", now=now) == 120.0
    assert retry_after_seconds("Mon, 11 May 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon", now=now) is None


def test_http_gives_up_after_three_attempts_on_500(vendor: FakeVendor) -> None:
    # given a vendor that always answers 500
    vendor.on("GET", "/data", Reply(500, {"error": "down"}))
    waits, sleep = no_sleep_recorder()

    # when fetching, then a TransientError after exactly 3 requests and 2 waits
    with pytest.raises(TransientError):
        _client(vendor, sleep=sleep).get_json(f"{vendor.url}/data")
    assert len(vendor.calls("/data")) == 3
    assert len(waits) == 2


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (401, CredentialRejected),
        (403, CredentialRejected),
        (404, PermanentError),
        (400, PermanentError),
    ],
)
def test_http_client_errors_fail_once_without_retry(
    vendor: FakeVendor, status: int, error_type: type[Exception]
) -> None:
    # given a vendor refusing the request
    vendor.on("GET", "/data", Reply(status, {"error": "no"}))
    waits, sleep = no_sleep_recorder()

    # when fetching, then the matching permanent error after 1 request and no wait
    with pytest.raises(error_type):
        _client(vendor, sleep=sleep).get_json(f"{vendor.url}/data")
    assert (len(vendor.calls("/data")), waits) == (1, [])


def test_http_read_timeout_fires_at_the_configured_value(vendor: FakeVendor) -> None:
    # given a vendor that takes 3 s to answer and a 0.5 s read timeout, one attempt
    vendor.on("GET", "/slow", Reply(200, {"ok": 1}, delay_s=3.0))
    client = _client(vendor, read_timeout_s=0.5, max_attempts=1)

    # when fetching
    started = time.monotonic()
    with pytest.raises(TransientError):
        client.get_json(f"{vendor.url}/slow")

    # then the call gave up at the timeout (within 1 s), not after the vendor's 3 s
    assert 0.4 <= time.monotonic() - started < 1.5


def test_http_refuses_a_host_outside_the_vendor_allowlist(vendor: FakeVendor) -> None:
    client = HttpClient(allowed_hosts=frozenset({"graph.facebook.com"}))
    with pytest.raises(PermanentError, match="not one of this vendor's hosts"):
        client.get_json(f"{vendor.url}/data")
    assert vendor.seen == []


def test_http_logs_never_show_tokens(vendor: FakeVendor, caplog: pytest.LogCaptureFixture) -> None:
    # given a token in the query string and a known secret in a header
    secret = "EAAB-super-secret-token-987"
    vendor.on("GET", "/data", Reply(500, {"error": "down"}), Reply(200, {"ok": 1}))
    caplog.set_level(logging.DEBUG)
    _waits, sleep = no_sleep_recorder()

    # when fetching through a retry
    _client(vendor, sleep=sleep, secrets=(secret,)).get_json(
        f"{vendor.url}/data",
        params={"access_token": secret},
        headers={"Authorization": f"Bearer {secret}"},
    )

    # then the vendor got the token, and 0 of the log lines carry it
    assert vendor.calls("/data")[0].query["access_token"] == secret
    assert len(caplog.records) >= 3
    assert sum(secret in record.getMessage() for record in caplog.records) == 0


def test_redact_removes_token_parameters_and_known_secrets() -> None:
    text = "GET /x?access_token=abc123456&limit=5 Authorization: Bearer abcdefghijkl key SEKRET9"
    assert redact(text, ["SEKRET9"]) == (
        "GET /x?access_token=***&limit=5 Authorization: Bearer *** key ***"
    )

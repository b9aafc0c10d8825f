"""source_extract: one run per account at a time, one refresh-and-retry on a refused login,
blocked logins skipped, and the 2FA hand-off from request to code to resumed extraction."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from apps.health.errors import InvalidInputError
from apps.sources.credentials import credential_save
from apps.sources.extractors import EXTRACTORS
from apps.sources.extractors.base import CredentialRejected, TwoFactorRequired
from apps.sources.models import Credential, TwoFactorRequest
from apps.sources.services import (
    credential_enter,
    extraction_lock_claim,
    extraction_lock_release,
    source_extract,
    two_factor_code_submit,
    two_factor_code_take,
    two_factor_code_wait,
    two_factor_request_open,
)

SOURCE = "mailchimp"
REPORT = b'{"reports":[],"total_items":0}'


class ScriptedExtractor:
    """Answers each extract() with the next scripted outcome: an exception or file contents."""

    source = SOURCE

    def __init__(self, *outcomes: Exception | bytes, can_refresh: bool = True) -> None:
        self.outcomes = list(outcomes)
        self.can_refresh = can_refresh
        self.extract_calls = 0
        self.refresh_calls = 0

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        self.extract_calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        landing_dir.mkdir(parents=True, exist_ok=True)
        path = landing_dir / f"api_reports__{self.extract_calls}.json"
        path.write_bytes(outcome)
        return [path]

    def verify(self, *, account: str) -> bool:
        return True

    def refresh(self, *, account: str) -> bool:
        self.refresh_calls += 1
        return self.can_refresh


@pytest.fixture
def stored(db: Any) -> None:
    credential_save(source=SOURCE, account="", kind="api_key", data={"api_key": "k-us1"})


def _install(monkeypatch: pytest.MonkeyPatch, extractor: ScriptedExtractor) -> None:
    monkeypatch.setitem(EXTRACTORS, SOURCE, extractor)


@pytest.mark.django_db
def test_source_extract_refreshes_once_then_retries_a_refused_login(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a login refused once, then accepted after a refresh
    extractor = ScriptedExtractor(CredentialRejected("expired session"), REPORT)
    _install(monkeypatch, extractor)

    # when extracting
    [result] = source_extract(source=SOURCE, account="")

    # then 1 refresh, 2 extract calls, and the fetched file went through the pipeline
    assert (extractor.refresh_calls, extractor.extract_calls) == (1, 2)
    assert result.status == "succeeded"
    assert [item.result for item in result.files] == ["accepted"]
    credential = Credential.objects.get(source=SOURCE)
    assert (credential.status, credential.last_refreshed_at is not None) == ("valid", True)
    assert credential.last_extracted_at is not None


@pytest.mark.django_db
def test_source_extract_refused_twice_needs_reconnect_and_is_not_looped(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a login refused before and after its refresh
    extractor = ScriptedExtractor(CredentialRejected("no"), CredentialRejected("still no"))
    _install(monkeypatch, extractor)

    # when extracting
    [result] = source_extract(source=SOURCE, account="")

    # then exactly 2 attempts, a failed run, a login needing a human
    assert (extractor.extract_calls, extractor.refresh_calls) == (2, 1)
    assert result.status == "failed"
    assert Credential.objects.get(source=SOURCE).status == "needs_reconnect"


@pytest.mark.django_db
def test_source_extract_skips_while_another_run_holds_the_lock(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a run of the same source and account in progress
    extractor = ScriptedExtractor(REPORT)
    _install(monkeypatch, extractor)
    owner = extraction_lock_claim(source=SOURCE, account="")
    assert owner is not None

    # when a second run starts, then it is skipped without calling the vendor
    [result] = source_extract(source=SOURCE, account="")
    assert (result.status, result.reason, extractor.extract_calls) == (
        "skipped",
        "already_running",
        0,
    )

    # and once released, the next run proceeds
    extraction_lock_release(source=SOURCE, account="", owner=owner)
    [result] = source_extract(source=SOURCE, account="")
    assert (result.status, extractor.extract_calls) == ("succeeded", 1)


@pytest.mark.django_db
def test_extraction_lock_of_a_killed_run_is_reclaimed_after_its_lease() -> None:
    # given a lock claimed by a worker that died
    assert extraction_lock_claim(source=SOURCE, account="a") is not None
    assert extraction_lock_claim(source=SOURCE, account="a") is None

    # when the lease has run out, then another run may claim it
    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1)):
        assert extraction_lock_claim(source=SOURCE, account="a") is not None


@pytest.mark.django_db
def test_two_factor_required_opens_a_request_and_the_code_resumes_the_extraction(
    stored: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # given a vendor asking for a 2FA code, then accepting the code on the resumed run
    extractor = ScriptedExtractor(TwoFactorRequired("code sent by SMS", prompt="SMS code"), REPORT)
    _install(monkeypatch, extractor)
    notified: list[dict[str, str]] = []
    monkeypatch.setattr("apps.sources.services._notify", lambda **kw: notified.append(kw))

    # when extracting
    [result] = source_extract(source=SOURCE, account="")

    # then the run failed with a pending request, the login is needs_2fa, a human was told
    request = TwoFactorRequest.objects.get()
    assert (result.status, request.status, request.prompt) == ("failed", "pending", "SMS code")
    assert Credential.objects.get(source=SOURCE).status == "needs_2fa"
    assert [item["link"] for item in notified] == [f"/sources/credentials/2fa/{request.pk}/"]

    # when staff submit the code, then the extraction is enqueued after commit and runs again
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        two_factor_code_submit(request_id=request.pk, code=" 123456 ")
    assert extractor.extract_calls == 1
    callbacks[0]()
    assert extractor.extract_calls == 2
    assert two_factor_code_take(source=SOURCE, account="") == "123456"
    assert two_factor_code_take(source=SOURCE, account="") is None  # used once


@pytest.mark.django_db
def test_two_factor_code_after_the_deadline_is_refused() -> None:
    # given a request whose 10 minutes have passed
    request = two_factor_request_open(source=SOURCE, account="", prompt="code")
    # when a code arrives, then it is refused with a field error
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=11)),
        pytest.raises(InvalidInputError) as error,
    ):
        two_factor_code_submit(request_id=request.pk, code="123456")
    assert "deadline" in error.value.field_errors["code"][0]
    assert TwoFactorRequest.objects.get().status == "pending"


@pytest.mark.django_db(transaction=True)
def test_two_factor_code_wait_returns_the_code_a_human_enters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a browser run waiting for a code (its DB work runs in a helper thread)
    monkeypatch.setattr("apps.sources.services._notify", lambda **kw: None)
    credential_save(source=SOURCE, account="", kind="api_key", data={"api_key": "k-us1"})
    found: list[str] = []
    waiter = threading.Thread(
        target=lambda: found.append(
            two_factor_code_wait(source=SOURCE, account="", prompt="code", poll_s=0.1)
        )
    )
    waiter.start()

    # when staff enter the code on the page
    deadline = time.monotonic() + 10
    while not TwoFactorRequest.objects.filter(status="pending").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    two_factor_code_submit(request_id=TwoFactorRequest.objects.get().pk, code="654321")
    waiter.join(timeout=10)

    # then the waiting run got exactly that code, consumed, with no resume enqueued
    assert found == ["654321"]
    assert TwoFactorRequest.objects.get().status == "consumed"


@pytest.mark.django_db
def test_credential_enter_wraps_a_bare_token_and_applies_the_default_age() -> None:
    # given a bare Meta token typed into the form, at a frozen time
    with time_machine.travel("2026-05-12 10:00:00+00:00", tick=False):
        credential = credential_enter(
            source="metaads",
            account="",
            kind="api_token",
            secret_text="EAAB-token",
            expires_at=None,
        )

    # then it is stored as {"access_token": ...} expiring 60 days later (Meta's default)
    from apps.sources.credentials import credential_load

    assert credential_load(source="metaads", account="", kind="api_token") == {
        "access_token": "EAAB-token"
    }
    assert credential.expires_at.isoformat() == "2026-07-11T10:00:00+00:00"

"""Run history of the source tasks (SPEC 6.1): each run records its source, account, status
and origin, whether it was an extraction or the pipeline step that processed a fetched file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from apps.health.errors import InvalidInputError
from apps.health.models import TaskRun
from apps.lake.models import LakeFile
from apps.sources.credentials import credential_save
from apps.sources.extractors import EXTRACTORS
from apps.sources.extractors.base import CredentialRejected
from apps.sources.models import Credential, CredentialRefreshAttempt
from apps.sources.services import credential_refresh, extraction_start_delay_s, source_extract
from apps.sources.tasks import SOURCE_EXTRACT_TASK, source_extract_task
from apps.sources.tests.test_services import REPORT, SOURCE, ScriptedExtractor

pytestmark = pytest.mark.django_db

PROCESS_TASK = "apps.warehouse.tasks.lake_file_process_task"


class BrowserScripted(ScriptedExtractor):
    """A scripted extractor that says it drives a browser (for the lake origin)."""

    origin = "browser"


@pytest.fixture
def stored() -> None:
    credential_save(source=SOURCE, account="", kind="api_key", data={"api_key": "k-us1"})


def _runs(name: str) -> list[tuple[str, str, str, str]]:
    rows = TaskRun.objects.filter(task_name=name).order_by("id")
    return [(run.source, run.account, run.status, run.error_code) for run in rows]


def test_source_extract_task_records_source_account_and_success(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an API source that answers with one report
    monkeypatch.setitem(EXTRACTORS, SOURCE, ScriptedExtractor(REPORT))

    # when the extraction task runs
    result = source_extract_task.apply(kwargs={"source": SOURCE, "account": ""})

    # then one succeeded run names the source, and the fetched file is marked as API data
    assert result.successful()
    assert _runs(SOURCE_EXTRACT_TASK) == [(SOURCE, "", "succeeded", "")]
    assert list(LakeFile.objects.values_list("source", "origin")) == [(SOURCE, "api")]


def test_source_extract_task_marks_browser_files_with_their_origin(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(EXTRACTORS, SOURCE, BrowserScripted(REPORT))
    source_extract_task.apply(kwargs={"source": SOURCE, "account": ""})
    assert list(LakeFile.objects.values_list("origin", flat=True)) == ["browser"]


def test_source_extract_task_records_a_refused_login_as_failed(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a login refused before and after its automatic refresh
    refused = ScriptedExtractor(CredentialRejected("no"), CredentialRejected("still no"))
    monkeypatch.setitem(EXTRACTORS, SOURCE, refused)

    # when the task runs (its failure propagates in eager mode)
    with pytest.raises(Exception, match="credential_rejected"):
        source_extract_task.apply(kwargs={"source": SOURCE, "account": ""})

    # then the run is failed, for this source, with the error's code
    assert _runs(SOURCE_EXTRACT_TASK) == [(SOURCE, "", "failed", "permanent")]


def test_source_extract_task_records_a_blocked_account_as_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a multi-account source whose only login needs a human
    credential_save(source="tiktok", account="zonea0", kind="storage_state", data={"a": 1})
    Credential.objects.filter(source="tiktok").update(status="needs_reconnect")
    extractor = ScriptedExtractor()
    extractor.source = "tiktok"
    monkeypatch.setitem(EXTRACTORS, "tiktok", extractor)

    # when its extraction is due
    source_extract_task.apply(kwargs={"source": "tiktok", "account": "zonea0"})

    # then the run is skipped with the reason, not failed, and the vendor was not called
    assert _runs(SOURCE_EXTRACT_TASK) == [("tiktok", "zonea0", "skipped", "needs_reconnect")]
    assert extractor.extract_calls == 0


def test_file_process_task_records_the_files_source_and_account(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a fetched file handed to the pipeline asynchronously (the worker's path)
    from apps.warehouse.services import ingest_path

    path = tmp_path / "api_reports__1.json"
    path.write_bytes(REPORT)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ingest_path(path=path, source_id=SOURCE, account="acct1", run_async=True)

    # then the processing run is recorded against the file's source and account
    assert outcome.lake_file_id is not None
    assert _runs(PROCESS_TASK) == [(SOURCE, "acct1", "succeeded", "")]


# --- SPEC 6.5 refresh limits ------------------------------------------------------------------


def test_automatic_refresh_is_limited_to_one_per_6_hours_and_3_per_day(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a login that refreshes fine every time
    extractor = ScriptedExtractor()
    monkeypatch.setitem(EXTRACTORS, SOURCE, extractor)
    start = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)

    # when remediation asks for a refresh every 3 hours over 30 hours
    allowed = []
    for hours in range(0, 31, 3):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            if credential_refresh(source=SOURCE, account="", is_automatic=True):
                allowed.append(hours)

    # then 00:00, 06:00 and 12:00 run; 03:00, 09:00, 15:00 fall in a cool-off; 18:00 and
    # 21:00 would be the 4th in 24 h; at 24:00 the 00:00 attempt has left the window
    assert allowed == [0, 6, 12, 24, 30]
    assert extractor.refresh_calls == 5
    assert CredentialRefreshAttempt.objects.count() == 5
    assert set(CredentialRefreshAttempt.objects.values_list("is_refreshed", flat=True)) == {True}


def test_staff_refresh_now_is_not_limited(stored: None, monkeypatch: pytest.MonkeyPatch) -> None:
    extractor = ScriptedExtractor()
    monkeypatch.setitem(EXTRACTORS, SOURCE, extractor)
    results = [credential_refresh(source=SOURCE, account="") for _ in range(5)]
    assert (results, extractor.refresh_calls) == ([True] * 5, 5)
    assert CredentialRefreshAttempt.objects.count() == 0


# --- scopes and start jitter (SPEC 2.0) ------------------------------------------------------

BEAT_HEADERS = {"periodic_task_name": "extract-distrokid"}


class SentTasks(list[dict[str, Any]]):
    """What health's dispatcher would have sent to the broker."""


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> SentTasks:
    from apps.health import dispatch

    recorded = SentTasks()

    def record(
        name: str,
        kwargs: dict[str, Any],
        task_id: str,
        link: Any | None = None,
        countdown_s: int | None = None,
    ) -> None:
        recorded.append({"name": name, "kwargs": kwargs, "countdown_s": countdown_s})

    monkeypatch.setattr(dispatch, "_send", record)
    return recorded


@pytest.fixture
def browser_source(monkeypatch: pytest.MonkeyPatch) -> BrowserScripted:
    credential_save(source="distrokid", account="", kind="password", data={"username": "u"})
    extractor = BrowserScripted(REPORT)
    extractor.source = "distrokid"
    monkeypatch.setitem(EXTRACTORS, "distrokid", extractor)
    return extractor


def test_scheduled_browser_extraction_is_deferred_by_a_random_delay(
    browser_source: BrowserScripted,
    sent: SentTasks,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a random draw of 1234 s within the 30-minute jitter
    draws: list[tuple[int, int]] = []

    def draw(low: int, high: int) -> int:
        draws.append((low, high))
        return 1234

    monkeypatch.setattr("apps.sources.services.random.randint", draw)

    # when beat starts the DistroKid statements run
    with django_capture_on_commit_callbacks(execute=True):
        source_extract_task.apply(
            kwargs={"source": "distrokid", "scope": "statements"}, headers=BEAT_HEADERS
        )

    # then nothing was fetched now: the run is re-queued 1234 s later as a scheduled child
    # run with its scope kept, and this delivery is recorded as deferred
    assert browser_source.extract_calls == 0
    assert draws == [(0, 1740)]  # 30 min, capped by the 1 h visibility timeout - 30 min run - 60 s
    assert sent == [
        {
            "name": SOURCE_EXTRACT_TASK,
            "kwargs": {
                "source": "distrokid",
                "account": None,
                "scope": "statements",
                "is_jittered": True,
            },
            "countdown_s": 1234,
        }
    ]
    first, child = TaskRun.objects.order_by("id")
    assert (first.status, first.error_code, first.trigger) == ("skipped", "deferred", "schedule")
    assert (child.status, child.trigger, child.parent_run_id) == ("queued", "schedule", first.pk)


def test_jittered_or_manual_browser_runs_start_at_once(
    browser_source: BrowserScripted, sent: SentTasks
) -> None:
    # the delayed delivery itself, then a staff "run now": neither waits again
    source_extract_task.apply(
        kwargs={"source": "distrokid", "is_jittered": True}, headers=BEAT_HEADERS
    )
    assert browser_source.extract_calls == 1
    assert sent == []


def test_api_sources_and_zero_jitter_are_not_deferred(
    stored: None, monkeypatch: pytest.MonkeyPatch, sent: SentTasks, settings: Any
) -> None:
    monkeypatch.setitem(EXTRACTORS, SOURCE, ScriptedExtractor(REPORT))
    source_extract_task.apply(kwargs={"source": SOURCE}, headers=BEAT_HEADERS)
    assert (sent, _runs(SOURCE_EXTRACT_TASK)) == ([], [(SOURCE, "", "succeeded", "")])

    settings.BROWSER_START_JITTER_S = 0
    assert extraction_start_delay_s(source="distrokid", randint=lambda a, b: 99) == 0


def test_statements_scope_is_passed_to_the_extractor_and_refused_where_unknown(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the real DistroKid extractor's scopes, and an API source without any
    seen: list[str] = []

    def extract(*, account: str, since: Any, landing_dir: Path, scope: str = "all") -> list[Path]:
        seen.append(scope)
        return []

    distrokid = EXTRACTORS["distrokid"]
    monkeypatch.setattr(distrokid, "extract", extract)
    credential_save(source="distrokid", account="", kind="password", data={"username": "u"})

    # when extracting the statements only, then the extractor was asked for statements
    [result] = source_extract(source="distrokid", scope="statements")
    assert (result.status, seen) == ("succeeded", ["statements"])

    # and a scope the source has no split for is a 400-style error, not a silent full run
    with pytest.raises(InvalidInputError) as error:
        source_extract(source=SOURCE, scope="statements")
    assert error.value.field_errors == {"scope": ["one of: all"]}

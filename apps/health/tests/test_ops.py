"""Auto-pause after N failed scheduled runs, resume, and retry with the original arguments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from apps.health.errors import InvalidInputError
from apps.health.models import Notification, SourceHealthSetting, SourcePause
from apps.health.ops import source_auto_pause_check, source_resume, task_run_retry
from apps.health.tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def _schedule(name: str, source: str, account: str = "") -> PeriodicTask:
    crontab = CrontabSchedule.objects.create(minute="0", hour="7")
    return PeriodicTask.objects.create(
        name=name,
        task="apps.sources.tasks.source_extract",
        crontab=crontab,
        kwargs=json.dumps({"source": source, "account": account}),
    )


def _failures(source: str, count: int, *, account: str = "", trigger: str = "schedule") -> None:
    for index in range(count):
        factories.task_run(
            source=source,
            account=account,
            status="failed",
            trigger=trigger,
            queued_at=NOW - timedelta(hours=index + 1),
        )


def test_auto_pause_after_5_failed_scheduled_runs_pauses_and_notifies_once() -> None:
    # given a tiktok schedule for zonea0, another for pig1987, and 5 failed runs of zonea0
    _schedule("tiktok-zonea0", "tiktok", "zonea0")
    _schedule("tiktok-pig1987", "tiktok", "pig1987")
    _schedule("spotify-daily", "spotify")
    _failures("tiktok", 5, account="zonea0")
    # when the check runs twice
    first = source_auto_pause_check(source="tiktok", now=NOW)
    second = source_auto_pause_check(source="tiktok", now=NOW)
    # then only zonea0's schedule is disabled, once, with one high notification
    assert [(p.account, p.periodic_task_names) for p in first] == [("zonea0", ["tiktok-zonea0"])]
    assert second == []
    assert dict(PeriodicTask.objects.values_list("name", "enabled")) == {
        "tiktok-zonea0": False,
        "tiktok-pig1987": True,
        "spotify-daily": True,
    }
    assert list(Notification.objects.values_list("type", "severity")) == [("auto_pause", "high")]


def test_auto_pause_ignores_manual_runs_and_uses_the_editable_threshold() -> None:
    _schedule("linktree-daily", "linktree")
    _failures("linktree", 6, trigger="manual")
    _failures("linktree", 2)
    # 2 scheduled failures (manual ones do not count) are below the default 5
    assert source_auto_pause_check(source="linktree", now=NOW) == []
    # with the threshold edited down to 2, the same history pauses the source
    SourceHealthSetting.objects.update_or_create(
        source="linktree", defaults={"priority": "MEDIUM", "auto_pause_after_failures": 2}
    )
    assert len(source_auto_pause_check(source="linktree", now=NOW)) == 1


def test_source_resume_reenables_only_what_the_pause_disabled_and_runs_once(
    sent_tasks: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given a paused source whose second schedule was already disabled by hand
    _schedule("tiktok-zonea0", "tiktok", "zonea0")
    manual_off = _schedule("tiktok-zonea0-weekly", "tiktok", "zonea0")
    manual_off.enabled = False
    manual_off.save()
    _failures("tiktok", 5, account="zonea0")
    source_auto_pause_check(source="tiktok", now=NOW)
    # when it is resumed
    with django_capture_on_commit_callbacks(execute=True):
        pause = source_resume(source="tiktok", account="zonea0")
    # then the paused schedule is back, the hand-disabled one stays off, one extraction runs
    assert pause is not None
    assert pause.resumed_at is not None
    assert dict(PeriodicTask.objects.values_list("name", "enabled")) == {
        "tiktok-zonea0": True,
        "tiktok-zonea0-weekly": False,
    }
    assert [(t["name"], t["kwargs"]) for t in sent_tasks] == [
        ("apps.sources.tasks.source_extract", {"source": "tiktok", "account": "zonea0"})
    ]
    assert SourcePause.objects.filter(resumed_at__isnull=True).count() == 0


def test_task_run_retry_reuses_the_stored_arguments_as_a_child_run(
    sent_tasks: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    failed = factories.task_run(source="distrokid", status="failed", queued_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        retry = task_run_retry(run_id=failed.pk)
    assert (retry.parent_run_id, retry.trigger, retry.status) == (failed.pk, "retry", "queued")
    assert [(t["name"], t["kwargs"], t["task_id"]) for t in sent_tasks] == [
        (failed.task_name, {"source": "distrokid", "account": ""}, retry.celery_task_id)
    ]


def test_task_run_retry_refuses_a_run_that_did_not_fail(sent_tasks: list[dict[str, Any]]) -> None:
    succeeded = factories.task_run(source="distrokid", status="succeeded", queued_at=NOW)
    with pytest.raises(InvalidInputError) as error:
        task_run_retry(run_id=succeeded.pk)
    assert error.value.field_errors == {"run_id": ["run is succeeded, not failed"]}
    assert sent_tasks == []

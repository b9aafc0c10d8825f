"""Ops console services: pause and resume a source's schedules, auto-pause, retry a failed run."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.health.dispatch import SOURCE_EXTRACT_TASK, task_dispatch
from apps.health.errors import InvalidInputError
from apps.health.models import (
    NotificationType,
    RunStatus,
    Severity,
    SourceHealthSetting,
    SourcePause,
    TaskRun,
)
from apps.health.notifications import NotificationEvent, absolute_url, notification_send

logger = logging.getLogger(__name__)

DEFAULT_AUTO_PAUSE_AFTER = 5
AUTO_PAUSE_SCAN = 100


def _task_source_account(task: PeriodicTask) -> tuple[str, str]:
    try:
        kwargs = json.loads(task.kwargs or "{}")
    except ValueError:
        return "", ""
    if not isinstance(kwargs, dict):
        return "", ""
    return str(kwargs.get("source") or kwargs.get("source_id") or ""), str(
        kwargs.get("account") or ""
    )


def source_schedule_list(*, source: str, account: str = "") -> list[PeriodicTask]:
    """The beat rows that run this source (and account, when given), read from their kwargs."""
    found = []
    for task in PeriodicTask.objects.order_by("name"):
        task_source, task_account = _task_source_account(task)
        if task_source == source and (not account or task_account in ("", account)):
            found.append(task)
    return found


def source_pause(
    *, source: str, account: str = "", reason: str, is_automatic: bool = False
) -> SourcePause:
    """Disable the source's enabled schedules and remember which, so resume re-enables only them."""
    with transaction.atomic():
        existing = SourcePause.objects.filter(
            source=source, account=account, resumed_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        tasks = source_schedule_list(source=source, account=account)
        enabled = [task for task in tasks if task.enabled]
        for task in enabled:
            task.enabled = False
            task.save(update_fields=["enabled"])
        pause = SourcePause.objects.create(
            source=source,
            account=account,
            reason=reason[:200],
            is_automatic=is_automatic,
            periodic_task_names=[task.name for task in enabled],
        )
    logger.info(
        "source_paused source=%s account=%s schedules=%s automatic=%s",
        source,
        account,
        len(enabled),
        is_automatic,
    )
    return pause


def source_resume(*, source: str, account: str = "", run_now: bool = True) -> SourcePause | None:
    """Re-enable the schedules a pause disabled and run the extraction once (SPEC 6.7)."""
    with transaction.atomic():
        pause = (
            SourcePause.objects.select_for_update()
            .filter(source=source, account=account, resumed_at__isnull=True)
            .first()
        )
        if pause is None:
            return None
        PeriodicTask.objects.filter(name__in=pause.periodic_task_names).update(enabled=True)
        for task in PeriodicTask.objects.filter(name__in=pause.periodic_task_names):
            task.save(update_fields=["enabled"])  # save() tells beat the schedule changed
        pause.resumed_at = timezone.now()
        pause.save(update_fields=["resumed_at"])
        if run_now:
            task_dispatch(
                task_name=SOURCE_EXTRACT_TASK,
                kwargs={"source": source, "account": account},
                trigger="manual",
            )
    logger.info("source_resumed source=%s account=%s", source, account)
    return pause


def auto_pause_threshold(source: str) -> int:
    setting = SourceHealthSetting.objects.filter(source=source).first()
    return setting.auto_pause_after_failures if setting else DEFAULT_AUTO_PAUSE_AFTER


def _consecutive_scheduled_failures(source: str) -> dict[str, int]:
    """Per account: failed scheduled runs since the last success (skips do not count)."""
    runs = (
        TaskRun.objects.filter(
            source=source,
            trigger="schedule",
            status__in=(RunStatus.SUCCEEDED, RunStatus.FAILED),
        )
        .order_by("-queued_at", "-id")
        .values_list("account", "status")[:AUTO_PAUSE_SCAN]
    )
    counts: dict[str, int] = {}
    ended: set[str] = set()
    for account, status in runs:
        if account in ended:
            continue
        if status == RunStatus.FAILED:
            counts[account] = counts.get(account, 0) + 1
        else:
            ended.add(account)
            counts.setdefault(account, 0)
    return counts


def source_auto_pause_check(
    *, source: str, notify: bool = True, now: datetime | None = None
) -> list[SourcePause]:
    """Pause each (source, account) whose last N scheduled runs failed, and notify once."""
    threshold = auto_pause_threshold(source)
    paused = []
    for account, failures in sorted(_consecutive_scheduled_failures(source).items()):
        if failures < threshold:
            continue
        if SourcePause.objects.filter(
            source=source, account=account, resumed_at__isnull=True
        ).exists():
            continue
        pause = source_pause(
            source=source,
            account=account,
            reason=f"{failures} consecutive failed scheduled runs",
            is_automatic=True,
        )
        paused.append(pause)
        notification_send(
            event=NotificationEvent(
                type=NotificationType.AUTO_PAUSE,
                severity=Severity.HIGH,
                subject=f"{source} paused after {failures} failed runs",
                message=(
                    f"The schedules of {source}/{account or '-'} were paused after {failures} "
                    "consecutive failed runs. Resume them from the health page."
                ),
                source=source,
                account=account,
                url=absolute_url("/health/"),
                details={"failures": failures, "schedules": pause.periodic_task_names},
            ),
            is_enabled=notify,
            now=now,
        )
    return paused


def task_run_retry(*, run_id: int) -> TaskRun:
    """A new run of a failed one's task with its stored arguments (never evaluated)."""
    original = TaskRun.objects.filter(pk=run_id).first()
    if original is None:
        raise InvalidInputError("no such run", field_errors={"run_id": ["no such run"]})
    if original.status != RunStatus.FAILED:
        raise InvalidInputError(
            "only a failed run can be retried",
            field_errors={"run_id": [f"run is {original.status}, not failed"]},
        )
    run, _ = task_dispatch(
        task_name=original.task_name,
        kwargs=dict(original.arguments),
        trigger="retry",
        parent_run=original,
    )
    return run

"""Beat schedule sync: the code's schedule dict upserted into django-celery-beat by name.

A hash of each code entry is stored in the task's description. While the code entry keeps its
hash, the admin's edits (time, enabled) stay; once the code changes, the code wins.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

# Marks a PeriodicTask as owned by the code; rows without it (made in the admin) are never touched.
MANAGED_MARKER = "managed-by=sync_schedules"
REMOVED_DIGEST = "removed"
_DIGEST_PATTERN = re.compile(r"code_sha256=(\S+)")
_SUPPORTED_OPTIONS = frozenset({"expires", "queue", "priority"})


class ScheduleAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ScheduleDefinition:
    """One code entry, normalised to what a PeriodicTask row stores."""

    name: str
    task: str
    crontab_fields: dict[str, str]
    args_json: str
    kwargs_json: str
    expire_seconds: int | None
    queue: str | None
    priority: int | None

    @property
    def digest(self) -> str:
        canonical = json.dumps(
            {
                "task": self.task,
                "crontab": self.crontab_fields,
                "args": self.args_json,
                "kwargs": self.kwargs_json,
                "expire_seconds": self.expire_seconds,
                "queue": self.queue,
                "priority": self.priority,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ScheduleSyncResult:
    name: str
    action: ScheduleAction


def _cron_field(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ",".join(str(item) for item in sorted(value))
    return str(value)


def _expire_seconds(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, int | float):
        return int(value)
    raise ValueError(f"expires must be seconds or a timedelta; got {value!r}")


def schedule_definition_build(*, name: str, entry: Mapping[str, Any]) -> ScheduleDefinition:
    """Normalise one BEAT_SCHEDULE entry; only crontab entries and known options are accepted."""
    schedule = entry["schedule"]
    if not isinstance(schedule, crontab):
        raise ValueError(f"beat entry {name!r} must use a crontab schedule")
    options = dict(entry.get("options") or {})
    unknown = sorted(set(options) - _SUPPORTED_OPTIONS)
    if unknown:
        raise ValueError(f"beat entry {name!r} has unsupported options: {', '.join(unknown)}")
    return ScheduleDefinition(
        name=name,
        task=str(entry["task"]),
        crontab_fields={
            "minute": _cron_field(schedule._orig_minute),
            "hour": _cron_field(schedule._orig_hour),
            "day_of_week": _cron_field(schedule._orig_day_of_week),
            "day_of_month": _cron_field(schedule._orig_day_of_month),
            "month_of_year": _cron_field(schedule._orig_month_of_year),
        },
        args_json=json.dumps(list(entry.get("args") or [])),
        kwargs_json=json.dumps(dict(entry.get("kwargs") or {}), sort_keys=True),
        expire_seconds=_expire_seconds(options.get("expires")),
        queue=options.get("queue"),
        priority=options.get("priority"),
    )


def _description(digest: str) -> str:
    if digest == REMOVED_DIGEST:
        note = "Gone from bedrot_site.celery.BEAT_SCHEDULE, so sync_schedules disabled it."
    else:
        note = (
            "Defined in bedrot_site.celery.BEAT_SCHEDULE. Edits to the time and enabled flag "
            "stay until the code entry changes."
        )
    return f"{MANAGED_MARKER} code_sha256={digest}\n{note}"


def _stored_digest(task: PeriodicTask) -> str | None:
    if MANAGED_MARKER not in task.description:
        return None
    match = _DIGEST_PATTERN.search(task.description)
    return match.group(1) if match else None


def _crontab_for(fields: dict[str, str]) -> CrontabSchedule:
    spec = {**fields, "timezone": settings.CELERY_TIMEZONE}
    existing = CrontabSchedule.objects.filter(**spec).order_by("pk").first()
    return existing or CrontabSchedule.objects.create(**spec)


def _apply_definition(task: PeriodicTask, definition: ScheduleDefinition) -> None:
    task.task = definition.task
    task.crontab = _crontab_for(definition.crontab_fields)
    task.interval = task.solar = task.clocked = None
    task.args = definition.args_json
    task.kwargs = definition.kwargs_json
    task.expires = None
    task.expire_seconds = definition.expire_seconds
    task.queue = definition.queue
    task.priority = definition.priority
    task.one_off = False
    task.enabled = True
    task.description = _description(definition.digest)
    task.save()


def _sync_one(definition: ScheduleDefinition) -> ScheduleAction:
    task = PeriodicTask.objects.filter(name=definition.name).first()
    if task is None:
        _apply_definition(PeriodicTask(name=definition.name), definition)
        return ScheduleAction.CREATED
    if _stored_digest(task) == definition.digest:
        return ScheduleAction.UNCHANGED
    _apply_definition(task, definition)
    return ScheduleAction.UPDATED


def _disable_removed(names_in_code: set[str]) -> list[ScheduleSyncResult]:
    results = []
    managed = PeriodicTask.objects.filter(description__contains=MANAGED_MARKER).order_by("name")
    for task in managed.exclude(name__in=names_in_code):
        if _stored_digest(task) == REMOVED_DIGEST and not task.enabled:
            continue
        task.enabled = False
        task.description = _description(REMOVED_DIGEST)
        task.save(update_fields=["enabled", "last_run_at", "description", "date_changed"])
        results.append(ScheduleSyncResult(name=task.name, action=ScheduleAction.DISABLED))
    return results


def periodic_task_sync(*, schedule: Mapping[str, Mapping[str, Any]]) -> list[ScheduleSyncResult]:
    """Upsert the code's beat schedule into django-celery-beat so beat runs what the code says."""
    definitions = [
        schedule_definition_build(name=name, entry=entry)
        for name, entry in sorted(schedule.items())
    ]
    with transaction.atomic():
        results = [
            ScheduleSyncResult(name=definition.name, action=_sync_one(definition))
            for definition in definitions
        ]
        results += _disable_removed({definition.name for definition in definitions})
        if any(result.action != ScheduleAction.UNCHANGED for result in results):
            # save() already signals beat; this also covers rows changed without save().
            PeriodicTasks.update_changed()
    return results

"""One run per periodic job and slot, even with two schedulers (SPEC 6.7, R28).

Celery beat keeps its own copy of each entry's last run: two beats started by mistake both find
every entry due and both send it. Beat stamps each message with the time it was sent; the worker
turns (job, sent time) into the schedule's slot, the instant the run was due, and claims
(job, slot) in the database. The first delivery of a slot runs; any other is skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from celery.schedules import crontab
from celery.signals import before_task_publish
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.health.models import ScheduleSlotClaim

PERIODIC_TASK_HEADER = "periodic_task_name"  # set by django-celery-beat on every message it sends
SENT_AT_HEADER = "beat_sent_at"
# A crontab has minute resolution; a slot further back than this is not searched for.
CRONTAB_LOOKBACK = timedelta(days=32)
MINUTE = timedelta(minutes=1)
# Claims only need to outlive any redelivery of their slot (the visibility timeout, 1 h).
CLAIM_RETENTION = timedelta(days=7)


@before_task_publish.connect
def _stamp_sent_at(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Beat's messages carry their send time; other messages are left alone."""
    if headers is not None and headers.get(PERIODIC_TASK_HEADER):
        headers[SENT_AT_HEADER] = timezone.now().isoformat()


def request_header(request: Any, name: str) -> str:
    """A message header: a worker lifts headers onto the request, an eager apply() does not."""
    headers = getattr(request, "headers", None) or {}
    return str(getattr(request, name, None) or headers.get(name) or "")


def _crontab_matches(schedule: crontab, moment: datetime) -> bool:
    cron_weekday = (moment.weekday() + 1) % 7  # crontab counts Sunday as 0
    return (
        moment.minute in schedule.minute
        and moment.hour in schedule.hour
        and cron_weekday in schedule.day_of_week
        and moment.day in schedule.day_of_month
        and moment.month in schedule.month_of_year
    )


def _crontab_slot(schedule: crontab, sent_at: datetime) -> datetime:
    """The latest minute at or before `sent_at` the crontab names (in its own time zone): a
    beat that sent late still names the slot the punctual one did."""
    zone = getattr(schedule, "tz", None) or UTC
    minute = sent_at.astimezone(zone).replace(second=0, microsecond=0)
    oldest = minute - CRONTAB_LOOKBACK
    candidate = minute
    while candidate > oldest:
        if _crontab_matches(schedule, candidate):
            return candidate.astimezone(UTC)
        candidate -= MINUTE
    return minute.astimezone(UTC)


def _interval_slot(period: timedelta, sent_at: datetime) -> datetime:
    """The start of the period (counted from the epoch) that `sent_at` falls in."""
    seconds = max(period.total_seconds(), 1.0)
    start = (sent_at.timestamp() // seconds) * seconds
    return datetime.fromtimestamp(start, tz=UTC)


def schedule_slot(schedule: Any, sent_at: datetime) -> datetime:
    """The slot a message sent at `sent_at` by `schedule` belongs to."""
    if isinstance(schedule, crontab):
        return _crontab_slot(schedule, sent_at)
    period = getattr(schedule, "run_every", None)
    if isinstance(period, timedelta):
        return _interval_slot(period, sent_at)
    # Solar and clocked schedules fire at most once a minute.
    return sent_at.astimezone(UTC).replace(second=0, microsecond=0)


def schedule_slot_claim(*, job: str, sent_at: datetime, task_id: str) -> bool:
    """Claim (job, slot) for this delivery. True when it may run: the claim is new, or it is this
    message's own (a redelivery after a worker died). False when another message has it."""
    periodic_task = PeriodicTask.objects.filter(name=job).first()
    if periodic_task is None:  # the job was removed after the message was sent
        return True
    slot = schedule_slot(periodic_task.schedule, sent_at)
    try:
        with transaction.atomic():
            ScheduleSlotClaim.objects.create(job=job, slot=slot, celery_task_id=task_id)
    except IntegrityError:
        return ScheduleSlotClaim.objects.filter(job=job, slot=slot, celery_task_id=task_id).exists()
    ScheduleSlotClaim.objects.filter(
        job=job, claimed_at__lt=timezone.now() - CLAIM_RETENTION
    ).delete()
    return True

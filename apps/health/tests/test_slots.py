"""A periodic job claims its (job, slot) once (SPEC 6.7, R28): the slot a beat message names,
and what a second delivery of the same slot does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab, schedule
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from apps.health.models import RunStatus, ScheduleSlotClaim, TaskRun
from apps.health.slots import _stamp_sent_at, schedule_slot, schedule_slot_claim
from apps.health.tasks import health_check_task

SUNDAY_09_07 = datetime(2025, 6, 15, 9, 7, 42, tzinfo=UTC)


def test_crontab_slot_is_the_latest_instant_the_crontab_names() -> None:
    # every 10 minutes: a send at 09:07:42 (a late beat) belongs to 09:00
    assert schedule_slot(crontab(minute="*/10"), SUNDAY_09_07) == datetime(
        2025, 6, 15, 9, 0, tzinfo=UTC
    )
    # Mondays 06:30: a send on Sunday belongs to last Monday's slot
    assert schedule_slot(crontab(minute=30, hour=6, day_of_week="mon"), SUNDAY_09_07) == (
        datetime(2025, 6, 9, 6, 30, tzinfo=UTC)
    )


def test_interval_slot_is_the_period_the_send_falls_in() -> None:
    every_30_min = schedule(timedelta(minutes=30))
    assert schedule_slot(every_30_min, SUNDAY_09_07) == datetime(2025, 6, 15, 9, 0, tzinfo=UTC)
    assert schedule_slot(every_30_min, SUNDAY_09_07 + timedelta(minutes=23)) == datetime(
        2025, 6, 15, 9, 30, tzinfo=UTC
    )


def test_only_beat_messages_are_stamped_with_their_send_time() -> None:
    beat_headers = {"periodic_task_name": "health-check"}
    other_headers = {"task": "apps.health.tasks.health_check_task"}
    _stamp_sent_at(headers=beat_headers)
    _stamp_sent_at(headers=other_headers)
    assert sorted(beat_headers) == ["beat_sent_at", "periodic_task_name"]
    assert datetime.fromisoformat(beat_headers["beat_sent_at"]).tzinfo is not None
    assert other_headers == {"task": "apps.health.tasks.health_check_task"}


@pytest.fixture
def health_check_job() -> PeriodicTask:
    every_30 = CrontabSchedule.objects.create(minute="*/30", timezone="UTC")
    return PeriodicTask.objects.create(
        name="health-check", task="apps.health.tasks.health_check_task", crontab=every_30
    )


@pytest.mark.django_db
def test_a_slot_is_claimed_once_and_a_redelivery_keeps_its_claim(
    health_check_job: PeriodicTask,
) -> None:
    # two schedulers send the 09:00 slot 0.4 s apart, then the first message is redelivered
    first = schedule_slot_claim(job="health-check", sent_at=SUNDAY_09_07, task_id="a")
    second = schedule_slot_claim(
        job="health-check", sent_at=SUNDAY_09_07 + timedelta(seconds=0.4), task_id="b"
    )
    redelivered = schedule_slot_claim(job="health-check", sent_at=SUNDAY_09_07, task_id="a")
    next_slot = schedule_slot_claim(
        job="health-check", sent_at=SUNDAY_09_07 + timedelta(minutes=30), task_id="c"
    )
    assert (first, second, redelivered, next_slot) == (True, False, True, True)
    assert list(
        ScheduleSlotClaim.objects.order_by("slot").values_list("slot", "celery_task_id")
    ) == [
        (datetime(2025, 6, 15, 9, 0, tzinfo=UTC), "a"),
        (datetime(2025, 6, 15, 9, 30, tzinfo=UTC), "c"),
    ]


@pytest.mark.django_db
def test_a_job_removed_after_sending_still_runs() -> None:
    assert schedule_slot_claim(job="gone", sent_at=SUNDAY_09_07, task_id="a") is True
    assert ScheduleSlotClaim.objects.count() == 0


def _deliver(task_id: str, sent_at: datetime) -> None:
    """One delivery as a worker runs it (not eager), with beat's headers lifted onto the request."""
    health_check_task.push_request(
        id=task_id,
        is_eager=False,
        periodic_task_name="health-check",
        beat_sent_at=sent_at.isoformat(),
    )
    try:
        health_check_task.before_start(task_id, (), {})
        health_check_task()
        health_check_task.on_success(None, task_id, (), {})
    finally:
        health_check_task.pop_request()


@pytest.mark.django_db
def test_the_second_scheduler_delivery_of_a_slot_is_skipped(
    health_check_job: PeriodicTask,
) -> None:
    # when both schedulers' messages for 09:00 are delivered
    _deliver("from-beat-a", SUNDAY_09_07)
    _deliver("from-beat-b", SUNDAY_09_07 + timedelta(seconds=1))

    # then the first ran and the second is a skipped run that says why
    runs = TaskRun.objects.order_by("pk").values_list(
        "celery_task_id", "trigger", "status", "error_code"
    )
    assert list(runs) == [
        ("from-beat-a", "schedule", RunStatus.SUCCEEDED, ""),
        ("from-beat-b", "schedule", RunStatus.SKIPPED, "duplicate_slot"),
    ]


def test_interval_schedules_of_the_beat_models_are_handled() -> None:
    every_3_s = IntervalSchedule(every=3, period=IntervalSchedule.SECONDS).schedule
    assert schedule_slot(every_3_s, SUNDAY_09_07) == datetime(2025, 6, 15, 9, 7, 42, tzinfo=UTC)
    assert schedule_slot(every_3_s, SUNDAY_09_07 + timedelta(seconds=2)) == datetime(
        2025, 6, 15, 9, 7, 42, tzinfo=UTC
    )

"""R28: two beat schedulers started by mistake send every periodic job twice; each job still runs
once per slot (the worker claims (job, slot) and skips the second delivery)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.health.models import RunStatus, ScheduleSlotClaim, TaskRun
from bedrot_site.celery import app as celery_app
from tests.reliability.processes import (
    beat_arguments,
    broker_emptied,
    broker_url,
    celery_env,
    celery_process,
    wait_for,
    worker_arguments,
)

JOB = "r28-health-check"
TASK = "apps.health.tasks.health_check_task"
EVERY_S = 3
SLOTS_OBSERVED = 6
# Each beat logs one line per message it sends.
SENT_LINE = re.compile(rf"Scheduler: Sending due task {JOB} \({re.escape(TASK)}\)")


def _sent(log_path: Path) -> int:
    return len(SENT_LINE.findall(log_path.read_text(errors="replace")))


def _runs() -> list[TaskRun]:
    return list(TaskRun.objects.filter(task_name=TASK, trigger="schedule").order_by("pk"))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_run_each_slot_once(redis_url: str, tmp_path: Path) -> None:
    # given a health check every 3 s, and no message of an earlier test left on the broker
    every = IntervalSchedule.objects.create(every=EVERY_S, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name=JOB, task=TASK, interval=every)
    celery_app.conf.update(broker_url=broker_url(redis_url))
    broker_emptied(redis_url)
    env = celery_env(redis_url, tmp_path)
    logs = {name: tmp_path / f"{name}.log" for name in ("worker", "beat_a", "beat_b")}

    with celery_process(worker_arguments("r28"), env, logs["worker"]):
        # when two schedulers run side by side for 6 slots
        with (
            celery_process(beat_arguments(tmp_path / "a.pid"), env, logs["beat_a"]) as beat_a,
            celery_process(beat_arguments(tmp_path / "b.pid"), env, logs["beat_b"]) as beat_b,
        ):
            wait_for(
                lambda: ScheduleSlotClaim.objects.filter(job=JOB).count() >= SLOTS_OBSERVED,
                f"{SLOTS_OBSERVED} slots",
                timeout_s=90,
            )
            beat_a.kill()
            beat_b.kill()
            beat_a.wait()
            beat_b.wait()
        sent = {name: _sent(logs[name]) for name in ("beat_a", "beat_b")}
        # and the worker has finished every message they sent
        wait_for(
            lambda: (
                len(_runs()) == sum(sent.values())
                and not any(run.status in (RunStatus.QUEUED, RunStatus.STARTED) for run in _runs())
            ),
            "the worker to finish every delivery",
        )

    # then both schedulers really sent the job (each at least half the slots; the one started
    # second may first find the job due a slot later) ...
    assert min(sent.values()) >= SLOTS_OBSERVED // 2, sent
    runs = _runs()
    claims = list(ScheduleSlotClaim.objects.filter(job=JOB).order_by("slot"))
    # ... every delivery has a run, each slot ran exactly once, and every other delivery was
    # skipped as a duplicate: runs per slot == 1 over the slots observed
    ran = [run for run in runs if run.status == RunStatus.SUCCEEDED]
    skipped = [run for run in runs if run.status == RunStatus.SKIPPED]
    assert len(runs) == sum(sent.values())
    assert len(ran) == len(claims)
    assert len(claims) >= SLOTS_OBSERVED
    assert sorted(run.celery_task_id for run in ran) == sorted(c.celery_task_id for c in claims)
    assert {run.error_code for run in skipped} == {"duplicate_slot"}
    assert len(skipped) == len(runs) - len(claims)

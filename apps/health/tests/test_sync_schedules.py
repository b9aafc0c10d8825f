"""sync_schedules: code entries upserted by name, admin edits kept until the code changes."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from celery.schedules import crontab, schedule
from django.core.management import CommandError, call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from apps.health.schedules import MANAGED_MARKER
from bedrot_site import celery as celery_module

pytestmark = pytest.mark.django_db

TASK_FIELDS = (
    "name",
    "task",
    "crontab__minute",
    "crontab__hour",
    "crontab__day_of_week",
    "crontab__day_of_month",
    "crontab__month_of_year",
    "args",
    "kwargs",
    "expire_seconds",
    "queue",
    "priority",
    "enabled",
    "description",
    "date_changed",
)


def _schedule(sweep_minute: str = "*/10") -> dict[str, dict[str, Any]]:
    return {
        "lake-sweep-landing": {
            "task": "apps.warehouse.tasks.landing_sweep_task",
            "schedule": crontab(minute=sweep_minute),
            "options": {"expires": 540},
        },
        "health-score-daily": {
            "task": "apps.health.tasks.health_score_task",
            "schedule": crontab(minute=15, hour=6),
            "kwargs": {"notify": True},
        },
    }


def _sync(monkeypatch: pytest.MonkeyPatch, beat_schedule: dict[str, dict[str, Any]]) -> list[str]:
    monkeypatch.setattr(celery_module, "BEAT_SCHEDULE", beat_schedule)
    out = StringIO()
    call_command("sync_schedules", stdout=out)
    return out.getvalue().splitlines()


def _rows() -> list[dict[str, Any]]:
    return list(PeriodicTask.objects.order_by("name").values(*TASK_FIELDS))


def test_sync_schedules_creates_crontab_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    # given an empty beat database, when syncing two code entries
    lines = _sync(monkeypatch, _schedule())

    # then both exist exactly as the code defines them
    assert lines == ["created health-score-daily", "created lake-sweep-landing"]
    rows = [
        {k: v for k, v in row.items() if k not in ("description", "date_changed")}
        for row in _rows()
    ]
    assert rows == [
        {
            "name": "health-score-daily",
            "task": "apps.health.tasks.health_score_task",
            "crontab__minute": "15",
            "crontab__hour": "6",
            "crontab__day_of_week": "*",
            "crontab__day_of_month": "*",
            "crontab__month_of_year": "*",
            "args": "[]",
            "kwargs": '{"notify": true}',
            "expire_seconds": None,
            "queue": None,
            "priority": None,
            "enabled": True,
        },
        {
            "name": "lake-sweep-landing",
            "task": "apps.warehouse.tasks.landing_sweep_task",
            "crontab__minute": "*/10",
            "crontab__hour": "*",
            "crontab__day_of_week": "*",
            "crontab__day_of_month": "*",
            "crontab__month_of_year": "*",
            "args": "[]",
            "kwargs": "{}",
            "expire_seconds": 540,
            "queue": None,
            "priority": None,
            "enabled": True,
        },
    ]
    assert all(row["description"].startswith(f"{MANAGED_MARKER} code_sha256=") for row in _rows())
    assert str(PeriodicTask.objects.get(name="lake-sweep-landing").crontab.timezone) == "UTC"


def test_sync_schedules_twice_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a synced schedule
    _sync(monkeypatch, _schedule())
    rows_before = _rows()
    crontabs_before = list(CrontabSchedule.objects.order_by("pk").values())
    last_update_before = PeriodicTasks.objects.get(ident=1).last_update

    # when syncing the same code again
    lines = _sync(monkeypatch, _schedule())

    # then every entry is unchanged and no row was written, not even beat's change marker
    assert lines == ["unchanged health-score-daily", "unchanged lake-sweep-landing"]
    assert _rows() == rows_before
    assert list(CrontabSchedule.objects.order_by("pk").values()) == crontabs_before
    assert PeriodicTasks.objects.get(ident=1).last_update == last_update_before


def test_sync_schedules_keeps_admin_edits_of_unchanged_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a synced entry whose time an operator moved and which they disabled in the admin
    _sync(monkeypatch, _schedule())
    task = PeriodicTask.objects.get(name="lake-sweep-landing")
    task.crontab = CrontabSchedule.objects.create(minute="5", hour="3", timezone="UTC")
    task.enabled = False
    task.save()

    # when syncing code that did not change
    lines = _sync(monkeypatch, _schedule())

    # then the admin's time and enabled flag survive
    assert lines == ["unchanged health-score-daily", "unchanged lake-sweep-landing"]
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("5", "3", False)


def test_sync_schedules_updates_entry_whose_code_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a synced entry the admin had moved and disabled
    _sync(monkeypatch, _schedule())
    task = PeriodicTask.objects.get(name="lake-sweep-landing")
    task.crontab = CrontabSchedule.objects.create(minute="5", hour="3", timezone="UTC")
    task.enabled = False
    task.save()
    last_update_before = PeriodicTasks.objects.get(ident=1).last_update

    # when the code entry changes its time
    lines = _sync(monkeypatch, _schedule(sweep_minute="*/5"))

    # then the code wins for that entry only, and beat is told to reload
    assert lines == ["unchanged health-score-daily", "updated lake-sweep-landing"]
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("*/5", "*", True)
    assert PeriodicTask.objects.count() == 2
    assert PeriodicTasks.objects.get(ident=1).last_update > last_update_before


def test_sync_schedules_disables_entry_gone_from_code(monkeypatch: pytest.MonkeyPatch) -> None:
    # given two synced entries
    _sync(monkeypatch, _schedule())

    # when one disappears from the code, and the sync runs twice
    remaining = {"lake-sweep-landing": _schedule()["lake-sweep-landing"]}
    first = _sync(monkeypatch, remaining)
    second = _sync(monkeypatch, remaining)

    # then it is disabled once, kept as a row, and the second run reports only the code entry
    assert first == ["unchanged lake-sweep-landing", "disabled health-score-daily"]
    assert second == ["unchanged lake-sweep-landing"]
    assert list(PeriodicTask.objects.order_by("name").values_list("name", "enabled")) == [
        ("health-score-daily", False),
        ("lake-sweep-landing", True),
    ]


def test_sync_schedules_reenables_entry_back_in_code(monkeypatch: pytest.MonkeyPatch) -> None:
    # given an entry that was removed from the code and disabled
    _sync(monkeypatch, _schedule())
    _sync(monkeypatch, {"lake-sweep-landing": _schedule()["lake-sweep-landing"]})

    # when it comes back
    lines = _sync(monkeypatch, _schedule())

    # then it is updated and enabled again
    assert lines == ["updated health-score-daily", "unchanged lake-sweep-landing"]
    assert PeriodicTask.objects.get(name="health-score-daily").enabled is True


def test_sync_schedules_leaves_admin_created_tasks_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a task an operator created in the admin
    admin_crontab = CrontabSchedule.objects.create(minute="0", hour="9", timezone="UTC")
    PeriodicTask.objects.create(
        name="adhoc-report", task="apps.kpis.tasks.x", crontab=admin_crontab
    )

    # when syncing
    lines = _sync(monkeypatch, _schedule())

    # then it is neither reported nor disabled
    assert lines == ["created health-score-daily", "created lake-sweep-landing"]
    adhoc = PeriodicTask.objects.get(name="adhoc-report")
    assert (adhoc.enabled, adhoc.description) == (True, "")


def test_sync_schedules_syncs_the_real_beat_schedule() -> None:
    # given the project's own BEAT_SCHEDULE, when syncing it
    out = StringIO()
    call_command("sync_schedules", stdout=out)

    # then every entry exists, enabled, with its expiry in seconds
    assert out.getvalue().splitlines() == [
        f"created {name}" for name in sorted(celery_module.BEAT_SCHEDULE)
    ]
    for name, entry in celery_module.BEAT_SCHEDULE.items():
        task = PeriodicTask.objects.get(name=name)
        options: dict[str, Any] = entry.get("options", {})  # type: ignore[assignment]
        assert (task.task, task.enabled, task.expire_seconds) == (
            entry["task"],
            True,
            options.get("expires"),
        )


def test_sync_schedules_rejects_non_crontab_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    # given an entry with an interval schedule, when syncing, then it fails and writes nothing
    bad = {"every-minute": {"task": "x", "schedule": schedule(run_every=60)}}
    with pytest.raises(CommandError, match="'every-minute' must use a crontab schedule"):
        _sync(monkeypatch, bad)
    assert PeriodicTask.objects.count() == 0

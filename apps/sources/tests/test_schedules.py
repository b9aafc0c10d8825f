"""Extraction schedules are declared in code, synced into django-celery-beat, and editable."""

from __future__ import annotations

import json

import pytest
from django_celery_beat.models import PeriodicTask

from apps.health.schedules import periodic_task_sync
from bedrot_site.celery import BEAT_SCHEDULE
from bedrot_site.celery import app as celery_app

pytestmark = pytest.mark.django_db

EXTRACT_SOURCES = [
    "distrokid",
    "instagram",
    "linktree",
    "mailchimp",
    "metaads",
    "spotify",
    "tiktok",
    "toolost",
    "youtube",
]


def test_extraction_schedules_sync_into_beat_with_their_source() -> None:
    # when syncing the code's schedule
    periodic_task_sync(schedule=BEAT_SCHEDULE)

    # then each browser or API source has one daily extraction row at its SPEC time
    rows = PeriodicTask.objects.filter(task="apps.sources.tasks.source_extract").order_by("name")
    daily = rows.exclude(name__endswith="-statements")
    assert [json.loads(row.kwargs)["source"] for row in daily] == EXTRACT_SOURCES
    spotify = rows.get(name="extract-spotify")
    assert (spotify.crontab.hour, spotify.crontab.minute, spotify.enabled) == ("21", "30", True)
    assert PeriodicTask.objects.get(name="credentials-verify").crontab.hour == "4"


def test_extraction_schedule_edited_in_the_admin_survives_a_resync() -> None:
    # given the synced rows, and an operator who disables the TikTok extraction
    periodic_task_sync(schedule=BEAT_SCHEDULE)
    PeriodicTask.objects.filter(name="extract-tiktok").update(enabled=False)

    # when syncing again (as every start does), then the edit stays
    periodic_task_sync(schedule=BEAT_SCHEDULE)
    assert PeriodicTask.objects.get(name="extract-tiktok").enabled is False


def test_scheduled_task_names_are_registered_celery_tasks() -> None:
    celery_app.loader.import_default_modules()
    names = {
        "apps.sources.tasks.source_extract",
        "apps.sources.tasks.credential_refresh",
        "apps.sources.tasks.credential_verify",
        "apps.sources.tasks.credentials_verify_all",
    }
    assert names <= set(celery_app.tasks)


def _crontab(row: PeriodicTask) -> tuple[str, str, str]:
    return (row.crontab.day_of_week, row.crontab.hour, row.crontab.minute)


def test_distributor_statements_have_weekly_monday_schedules() -> None:
    # when syncing the code's schedule
    periodic_task_sync(schedule=BEAT_SCHEDULE)

    # then the DistroKid bank export runs Mondays 06:30 and the TooLost sales-report check
    # Mondays 06:45, each limited to statements, while the daily runs leave statements out
    rows = {
        row.name: (_crontab(row), json.loads(row.kwargs))
        for row in PeriodicTask.objects.filter(name__startswith="extract-")
    }
    assert rows["extract-distrokid-statements"] == (
        ("mon", "6", "30"),
        {"source": "distrokid", "scope": "statements"},
    )
    assert rows["extract-toolost-statements"] == (
        ("mon", "6", "45"),
        {"source": "toolost", "scope": "statements"},
    )
    assert rows["extract-distrokid"] == (("*", "6", "0"), {"source": "distrokid", "scope": "daily"})
    assert rows["extract-toolost"] == (("*", "6", "15"), {"source": "toolost", "scope": "daily"})
    assert rows["extract-metaads"] == (("*", "5", "0"), {"source": "metaads"})

"""The Celery app and the beat schedule (synced into django-celery-beat by `sync_schedules`)."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bedrot_site.settings")

app = Celery("bedrot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

MINUTE_S = 60

# Each entry expires near its period, so runs missed while the worker was down never pile up.
BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Files dropped straight into the landing folder are picked up within ten minutes.
    "lake-sweep-landing": {
        "task": "apps.warehouse.tasks.landing_sweep_task",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * MINUTE_S},
    },
    # Files put into the landing drop folder (LAKE_DROP_DIR) are registered and queued.
    "lake-drop-folder": {
        "task": "apps.lake.tasks.lake_drop_folder_task",
        "schedule": crontab(minute="*/2"),
        "options": {"expires": 2 * MINUTE_S},
    },
    # Storage vs lineage: stale temp files, orphan landing objects, rows missing their object.
    "lake-reconcile": {
        "task": "apps.lake.tasks.lake_reconcile_task",
        "schedule": crontab(minute="5-59/10"),
        "options": {"expires": 9 * MINUTE_S},
    },
    # Retention: superseded versions to the archive, expired copies deleted (SPEC 3.4).
    "lake-retention": {
        "task": "apps.lake.tasks.lake_retention_task",
        "schedule": crontab(minute=30, hour=3),
        "options": {"expires": 120 * MINUTE_S},
    },
    # Scores every source, auto-pauses, remediates and notifies; feeds /api/health/ and the page.
    "health-check": {
        "task": "apps.health.tasks.health_check_task",
        "schedule": crontab(minute="*/30"),
        "options": {"expires": 25 * MINUTE_S},
    },
    # Alerts are also refreshed after every load; hourly catches the ones the date alone raises.
    "kpi-alerts-refresh": {
        "task": "apps.kpis.tasks.kpi_alerts_refresh_task",
        "schedule": crontab(minute=15),
        "options": {"expires": 55 * MINUTE_S},
    },
    # The daily digest goes out at 09:00 UTC, after the morning extractions (05:00-08:30).
    "health-daily-summary": {
        "task": "apps.health.tasks.health_daily_summary_task",
        "schedule": crontab(minute=0, hour=9),
        "options": {"expires": 60 * MINUTE_S},
    },
}

# Extractions (SPEC 2.0 "Default schedules", UTC). Each runs every stored account of its source
# and expires before the next day's run. The distributors' daily runs fetch their charts and
# analytics only; their statements have weekly runs of their own (below).
_EXTRACTION_TIMES: dict[str, tuple[int, int, str]] = {
    # source: (hour, minute, why then)
    "metaads": (5, 0, "re-reads the last 28 days of insights before the morning"),
    "distrokid": (6, 0, "charts end about 2 days before capture; a daily look is enough"),
    "toolost": (6, 15, "analytics for the current year"),
    "tiktok": (7, 0, "Studio's daily figures settle overnight"),
    "linktree": (7, 30, "only 90 days are offered, so a missed day must be caught quickly"),
    "youtube": (8, 0, "figures lag 48-72 h; the last 30 days are re-read"),
    "instagram": (8, 15, "the last 7 days are re-read"),
    "mailchimp": (8, 30, "campaigns sent in the last 90 days"),
    "spotify": (21, 30, "S4A updates once a day, about 15:00 US Eastern"),
}
# Sources whose statements are fetched weekly: their daily run leaves them out.
_DAILY_SCOPE = {"distrokid": {"scope": "daily"}, "toolost": {"scope": "daily"}}
BEAT_SCHEDULE.update(
    {
        f"extract-{source}": {
            "task": "apps.sources.tasks.source_extract",
            "schedule": crontab(minute=minute, hour=hour),
            "kwargs": {"source": source, **_DAILY_SCOPE.get(source, {})},
            "options": {"expires": 20 * 60 * MINUTE_S},
        }
        for source, (hour, minute, _why) in _EXTRACTION_TIMES.items()
    }
)
# Statements arrive monthly at most, so a weekly look is enough (SPEC 2.0): the DistroKid bank
# export Mondays 06:30, the TooLost sales-report check Mondays 06:45 (after its daily run).
BEAT_SCHEDULE.update(
    {
        f"extract-{source}-statements": {
            "task": "apps.sources.tasks.source_extract",
            "schedule": crontab(minute=minute, hour=6, day_of_week="mon"),
            "kwargs": {"source": source, "scope": "statements"},
            "options": {"expires": 6 * 24 * 60 * MINUTE_S},
        }
        for source, minute in (("distrokid", 30), ("toolost", 45))
    }
)
# The cheap daily probe of every stored login (SPEC 6.3), before the first extraction.
BEAT_SCHEDULE["credentials-verify"] = {
    "task": "apps.sources.tasks.credentials_verify_all",
    "schedule": crontab(minute=30, hour=4),
    "options": {"expires": 60 * MINUTE_S},
}

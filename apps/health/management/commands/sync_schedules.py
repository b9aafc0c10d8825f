"""`manage.py sync_schedules`: upsert bedrot_site.celery.BEAT_SCHEDULE into django-celery-beat."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.health.schedules import periodic_task_sync
from bedrot_site import celery as celery_module


class Command(BaseCommand):
    help = (
        "Upsert the code's beat schedule into django-celery-beat by name: changed entries are "
        "updated, admin edits of unchanged entries stay, entries gone from code are disabled."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = periodic_task_sync(schedule=celery_module.BEAT_SCHEDULE)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            self.stdout.write(f"{result.action} {result.name}")

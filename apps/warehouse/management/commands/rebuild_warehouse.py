"""`manage.py rebuild_warehouse`: reload every warehouse table from the curated zone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.warehouse.services import warehouse_rebuild


class Command(BaseCommand):
    help = "Reload every warehouse table from curated; running it twice changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = warehouse_rebuild()
        self.stdout.write(f"rebuilt rows_upserted={rows}")

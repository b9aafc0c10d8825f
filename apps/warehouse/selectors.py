"""Warehouse reads shared by the apps downstream of it."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

from apps.warehouse.models import WarehouseLoad


def as_of_get() -> datetime | None:
    """Finish time of the newest warehouse load: every KPI's `as_of` (None before any load)."""
    finished_at: datetime | None = WarehouseLoad.objects.aggregate(newest=Max("finished_at"))[
        "newest"
    ]
    return finished_at

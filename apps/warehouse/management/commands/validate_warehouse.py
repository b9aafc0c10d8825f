"""`manage.py validate_warehouse`: run the SPEC 4.5 checks now, print the report as JSON and
exit 1 when a check fails."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from apps.warehouse.validation import warehouse_validate


class Command(BaseCommand):
    help = "Validate the warehouse against curated and its own rules; exit 1 on failures."

    def handle(self, *args: Any, **options: Any) -> None:
        report = warehouse_validate(trigger="command")
        statuses = {name: check["status"] for name, check in report.summary["checks"].items()}
        document = {
            "report_id": report.pk,
            "has_failures": report.has_failures,
            "statuses": statuses,
            **report.summary,
        }
        self.stdout.write(json.dumps(document, indent=2, sort_keys=True, default=str))
        if report.has_failures:
            raise SystemExit(1)

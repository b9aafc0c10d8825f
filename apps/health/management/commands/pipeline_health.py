"""`manage.py pipeline_health`: score every source; exit 0 HEALTHY/WARNING, 1 CRITICAL, 2 FAILED,
3 for an unknown service (CONTRACT section 2)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.health.cadence import HEALTH_SOURCE_IDS
from apps.health.scoring import Status
from apps.health.services import health_check_run, health_report_write

EXIT_CODES = {Status.HEALTHY: 0, Status.WARNING: 0, Status.CRITICAL: 1, Status.FAILED: 2}
EXIT_UNKNOWN_SERVICE = 3


class Command(BaseCommand):
    help = "Score every source's health, remediate, notify, and optionally write a report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--report", action="store_true", help="Write HTML and JSON reports")
        parser.add_argument("--json-only", action="store_true", help="Print only the JSON")
        parser.add_argument("--service", help="Score only this source id")
        parser.add_argument("--disable-auto-remediation", action="store_true")
        parser.add_argument("--disable-notifications", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        service = options.get("service")
        if service is not None and service not in HEALTH_SOURCE_IDS:
            self.stderr.write(f"unknown service {service!r}; known: {', '.join(HEALTH_SOURCE_IDS)}")
            sys.exit(EXIT_UNKNOWN_SERVICE)
        result = health_check_run(
            service=service,
            remediate=not options["disable_auto_remediation"],
            notify=not options["disable_notifications"],
        )
        written = health_report_write(document=result.document) if options["report"] else []
        if options["json_only"]:
            self.stdout.write(json.dumps(result.document, indent=2, sort_keys=True))
        else:
            self._print_table(result.document)
            for path in written:
                self.stdout.write(f"report written: {path.name}")
        code = EXIT_CODES[result.overall_status]
        if code:
            sys.exit(code)

    def _print_table(self, document: dict[str, Any]) -> None:
        self.stdout.write(f"{'source':<10} {'status':<15} {'score':>5} {'priority':<9} issues")
        for source, body in document["services"].items():
            issues = "; ".join(item["detail"] for item in body["deductions"]) or "-"
            score = "-" if body["score"] is None else str(body["score"])
            self.stdout.write(
                f"{source:<10} {body['status']:<15} {score:>5} {body['priority']:<9} {issues}"
            )
        for action in document["remediation_actions"]:
            self.stdout.write(
                f"remediation {action['outcome']}: {action['kind']} {action['source']} "
                f"{action['detail']}"
            )
        self.stdout.write(
            f"{document['healthy_sources']}/{document['scored_sources']} sources healthy; "
            f"overall {document['overall_status']}"
        )

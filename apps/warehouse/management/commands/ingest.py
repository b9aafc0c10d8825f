"""`manage.py ingest PATH... [--source S] [--account A] [--async]` (CONTRACT.md section 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.health.errors import BedrotError
from apps.sources.connectors.registry import SOURCE_IDS
from apps.warehouse.services import IngestOutcome, ingest_path


def _describe(outcome: IngestOutcome) -> str:
    if outcome.result == "rejected":
        return f"rejected: {outcome.reason}"
    if outcome.result == "duplicate":
        return f"duplicate ({outcome.reason})"
    return (
        f"{outcome.result} source={outcome.source} file_id={outcome.lake_file_id} "
        f"rows_in={outcome.rows_in} rows_out={outcome.rows_out} "
        f"rows_rejected={outcome.rows_rejected}"
    )


class Command(BaseCommand):
    help = "Register files in the lake and run them through every zone into the warehouse."
    # The system checks import every URL, view and admin module (about 1.2 s of a 1M-line
    # ingest) and guard nothing this command uses; `migrate` and `manage.py check` still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--source", choices=SOURCE_IDS, help="force the source (else detected from content)"
        )
        parser.add_argument(
            "--account", default="", help="account/persona for multi-account sources"
        )
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="enqueue to Celery"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rejected = 0
        for path in options["paths"]:
            line = self._ingest_one(path, options)
            rejected += line.startswith("rejected")
            self.stdout.write(f"{path}: {line}")
        if rejected:
            raise CommandError(f"{rejected} file(s) rejected", returncode=1)

    def _ingest_one(self, path: Path, options: dict[str, Any]) -> str:
        if not path.is_file():
            return "rejected: file not found or not a regular file"
        try:
            outcome = ingest_path(
                path=path,
                source_id=options["source"],
                account=options["account"],
                run_async=options["run_async"],
            )
        except BedrotError as error:
            return f"rejected: {error.message}"
        return _describe(outcome)

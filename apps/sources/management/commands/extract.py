"""`manage.py extract [--sources a,b] [--account A] [--scope S]` (CONTRACT.md section 2;
`--scope` is additive).

Runs the extractors (browser or API) of the named sources, then the pipeline on what they
fetched. `--scope daily` or `--scope statements` limits the distributors to the part their
daily or weekly beat run fetches, through the same service the beat task calls. Prints one
line per fetched file with its ingest outcome, and one line per account that was skipped or
failed. Exit status 1 when an extraction failed or a file was rejected.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.health.errors import BedrotError
from apps.sources.connectors.registry import SOURCE_IDS
from apps.sources.extractors import EXTRACTORS
from apps.sources.extractors.base import EXTRACTION_SCOPES, SCOPE_ALL
from apps.sources.services import (
    ExtractionResult,
    FetchedFile,
    extraction_scope_offered,
    source_accounts,
    source_extract,
)


def _file_line(result: ExtractionResult, item: FetchedFile) -> str:
    where = f"{result.source}/{result.account or '-'}"
    if item.result == "rejected":
        return f"{where}: {item.name}: rejected: {item.reason}"
    if item.result == "duplicate":
        return f"{where}: {item.name}: duplicate ({item.reason})"
    return f"{where}: {item.name}: {item.result} file_id={item.lake_file_id}"


def _run_line(result: ExtractionResult) -> str:
    where = f"{result.source}/{result.account or '-'}"
    if result.status == "succeeded":
        return f"{where}: {result.status}, {len(result.files)} file(s)"
    return f"{where}: {result.status}: {result.reason}"


class Command(BaseCommand):
    help = "Fetch data from the sources' sites and APIs, then run it through the pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sources",
            default="",
            help="comma-separated source ids (default: every source with a stored login)",
        )
        parser.add_argument("--account", default=None, help="only this account/persona")
        parser.add_argument(
            "--scope",
            default=SCOPE_ALL,
            choices=EXTRACTION_SCOPES,
            help="all (default), or only the distributors' daily pages or weekly statements",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scope = options["scope"]
        sources = self._sources(options["sources"], scope)
        failures = 0
        for source in sources:
            for result in self._extract(source, options["account"], scope):
                for item in result.files:
                    self.stdout.write(_file_line(result, item))
                self.stdout.write(_run_line(result))
                failures += result.has_failed
        if failures:
            raise CommandError(
                f"{failures} extraction(s) failed or fetched a rejected file", returncode=1
            )

    def _sources(self, raw: str, scope: str) -> list[str]:
        if not raw.strip():
            # Without names, a narrowed scope runs only the sources that split their work by it.
            return [
                source
                for source in sorted(EXTRACTORS)
                if source_accounts(source=source)
                and extraction_scope_offered(source=source, scope=scope)
            ]
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in names if name not in SOURCE_IDS]
        if unknown:
            raise CommandError(
                f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCE_IDS)}",
                returncode=2,
            )
        missing = [name for name in names if name not in EXTRACTORS]
        if missing:
            raise CommandError(
                f"no extractor for {', '.join(missing)} (manual upload only)", returncode=2
            )
        refusing = [
            name for name in names if not extraction_scope_offered(source=name, scope=scope)
        ]
        if refusing:
            offering = [
                source
                for source in sorted(EXTRACTORS)
                if extraction_scope_offered(source=source, scope=scope)
            ]
            raise CommandError(
                f"no extraction scope {scope!r} for {', '.join(refusing)}; "
                f"sources with it: {', '.join(offering)}",
                returncode=2,
            )
        return names

    def _extract(self, source: str, account: str | None, scope: str) -> list[ExtractionResult]:
        try:
            return source_extract(source=source, account=account, scope=scope)
        except BedrotError as error:
            # Transient errors already had their bounded retries inside the HTTP client.
            return [ExtractionResult(source, account or "", "failed", f"{error.code}: {error}")]

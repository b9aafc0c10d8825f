"""`manage.py replay [--source S] [--file ID]` (CONTRACT.md section 2)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.lake.models import LakeFile
from apps.lake.replay import ReplayOutcome, lake_replay
from apps.sources.connectors.registry import SOURCE_IDS


def _describe(outcome: ReplayOutcome) -> str:
    line = f"file {outcome.file_id}: {outcome.result}"
    if outcome.parser_version_from and outcome.parser_version_from != outcome.parser_version_to:
        line += f" parser v{outcome.parser_version_from} -> v{outcome.parser_version_to}"
    for dataset, change in sorted(outcome.changes.items()):
        if not change.is_empty:
            line += f" {dataset}: +{change.added} ~{change.changed} -{change.removed}"
    if outcome.retracted:
        line += f" warehouse: -{sum(outcome.retracted.values())}"
    if outcome.restored:
        line += f" restored from older files: {sum(outcome.restored.values())}"
    if outcome.reason:
        line += f" ({outcome.reason})"
    return line


class Command(BaseCommand):
    help = "Re-run raw files through the current parsers and reload what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", choices=SOURCE_IDS, help="replay every file of a source")
        parser.add_argument("--file", type=int, dest="file_id", help="replay one file by id")

    def handle(self, *args: Any, **options: Any) -> None:
        file_id = options["file_id"]
        if file_id is not None and not LakeFile.objects.filter(pk=file_id).exists():
            raise CommandError(f"no lake file with id {file_id}")
        outcomes = lake_replay(source=options["source"], file_id=file_id)
        for outcome in outcomes:
            self.stdout.write(_describe(outcome))
        counts = Counter(outcome.result for outcome in outcomes)
        summary = " ".join(
            f"{result}={counts[result]}"
            for result in ("changed", "unchanged", "quarantined", "busy", "skipped")
        )
        self.stdout.write(f"replayed files={len(outcomes)} {summary}")

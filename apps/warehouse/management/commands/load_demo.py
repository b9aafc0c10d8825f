"""`manage.py load_demo`: push the generated demo files through the real pipeline.

Only into an empty lake: demo figures must never mix with a label's real files, and a second
run (or a run on a later day, whose files would differ) changes nothing."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.lake.models import LakeFile
from apps.sources.demo import demo_files
from apps.warehouse.services import ingest_path


class Command(BaseCommand):
    help = "Load the demo dataset through landing -> raw -> staging -> curated -> warehouse."

    def handle(self, *args: Any, **options: Any) -> None:
        if LakeFile.objects.exists():
            self.stdout.write("demo skipped: the lake already holds files")
            return
        results: Counter[str] = Counter()
        with tempfile.TemporaryDirectory(prefix="bedrot-demo-") as folder:
            for number, demo in enumerate(demo_files(today=timezone.now().date())):
                # Each file in its own folder: two sources may use the same arrival name.
                path = Path(folder) / str(number) / demo.name
                path.parent.mkdir()
                path.write_bytes(demo.content)
                outcome = ingest_path(path=path, source_id=None, account=demo.account)
                results[outcome.result] += 1
                reason = f": {outcome.reason}" if outcome.reason else ""
                self.stdout.write(f"{demo.source_id}/{demo.name}: {outcome.result}{reason}")
        summary = " ".join(f"{result}={count}" for result, count in sorted(results.items()))
        self.stdout.write(f"demo loaded files={sum(results.values())} {summary}")

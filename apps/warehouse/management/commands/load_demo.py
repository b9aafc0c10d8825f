"""`manage.py load_demo`: push the generated demo files through the real pipeline.

Only into an empty lake: demo figures must never mix with a label's real files, and a second
run (or a run on a later day, whose files would differ) changes nothing."""

from __future__ import annotations

import tempfile
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
        with tempfile.TemporaryDirectory(prefix="bedrot-demo-") as folder:
            for demo in demo_files(today=timezone.now().date()):
                path = Path(folder) / demo.name
                path.write_bytes(demo.content)
                outcome = ingest_path(path=path, source_id=None, account=demo.account)
                reason = f": {outcome.reason}" if outcome.reason else ""
                self.stdout.write(f"{demo.source_id}/{demo.name}: {outcome.result}{reason}")

"""The demo dataset through the real pipeline: every source loaded, nothing quarantined."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from apps.lake.models import FileStatus, LakeFile
from apps.sources.connectors.registry import SOURCE_IDS

pytestmark = pytest.mark.django_db


def test_load_demo_loads_files_of_all_ten_sources_with_none_quarantined() -> None:
    # given an empty lake on 2026-11-26
    out = StringIO()

    # when the demo is loaded
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False):
        call_command("load_demo", stdout=out)

    # then 40 files are accepted, of every source, each detected from its content
    assert out.getvalue().splitlines()[-1] == "demo loaded files=40 accepted=40"
    by_source = dict(
        LakeFile.objects.filter(status=FileStatus.LOADED)
        .values_list("source")
        .annotate(files=Count("id"))
    )
    assert by_source == {
        "distrokid": 5,
        "toolost": 5,
        "spotify": 12,
        "tiktok": 4,
        "metaads": 2,
        "linktree": 1,
        "youtube": 3,
        "mailchimp": 3,
        "instagram": 4,
        "submithub": 1,
    }
    assert set(by_source) == set(SOURCE_IDS)
    assert LakeFile.objects.filter(status=FileStatus.QUARANTINED).count() == 0
    # and every file conserves its rows
    for lake_file in LakeFile.objects.all():
        assert lake_file.rows_in == lake_file.rows_out + lake_file.rows_rejected, lake_file


def test_load_demo_into_a_lake_that_holds_files_changes_nothing() -> None:
    # given a lake that already holds the demo
    call_command("load_demo", stdout=StringIO())
    files = LakeFile.objects.count()

    # when the demo is loaded again
    out = StringIO()
    call_command("load_demo", stdout=out)

    # then it is skipped
    assert out.getvalue().strip() == "demo skipped: the lake already holds files"
    assert LakeFile.objects.count() == files

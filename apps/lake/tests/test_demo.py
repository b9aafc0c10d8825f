"""The demo dataset through the real pipeline: every source loaded, nothing quarantined."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count

from apps.kpis.calculations import CrossSourceBand
from apps.kpis.filters import RevenueFilters
from apps.kpis.models import Alert
from apps.kpis.selectors import audience_tiktok_lag_get
from apps.kpis.series import cross_source_spotify_days
from apps.kpis.services import CROSS_SOURCE_SUBJECT, alert_findings
from apps.lake.models import FileStatus, LakeFile
from apps.sources.connectors.registry import SOURCE_IDS

pytestmark = pytest.mark.django_db


def test_load_demo_loads_files_of_all_ten_sources_with_none_quarantined() -> None:
    # given an empty lake on 2026-11-26
    out = StringIO()

    # when the demo is loaded
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False):
        call_command("load_demo", stdout=out)

    # then 43 files are accepted, of every source, each detected from its content
    assert out.getvalue().splitlines()[-1] == "demo loaded files=43 accepted=43"
    by_source = dict(
        LakeFile.objects.filter(status=FileStatus.LOADED)
        .values_list("source")
        .annotate(files=Count("id"))
    )
    assert by_source == {
        "distrokid": 5,
        "toolost": 7,
        "spotify": 12,
        "tiktok": 5,
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


def test_load_demo_gives_the_lag_view_the_cross_source_check_and_the_alerts_data() -> None:
    # given the demo loaded on 2026-11-26
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False):
        call_command("load_demo", stdout=StringIO())

        # when the TikTok lag, the cross-source check and the alerts are computed
        lag = audience_tiktok_lag_get(filters=RevenueFilters(account="zonea0"))
        bands = Counter(day.band for day in cross_source_spotify_days())
        alerts = sorted(
            (finding.subject, finding.period)
            for finding in alert_findings(today=date(2026, 11, 26))
            # Statement alerts and schema notes come from the statements, not the daily year.
            if finding.type == Alert.Type.ANOMALY or finding.subject == CROSS_SOURCE_SUBJECT
        )

    # then a year of TikTok views and S4A streams overlaps and views lead streams by 12 days
    assert (lag["status"], lag["artist"], lag["overlap_days"]) == ("ok", "ZONE A0", 365)
    assert lag["best_lag_days"] == 12
    # and the last 28 days of Spotify streams mostly agree between distributors and S4A
    assert bands == {
        CrossSourceBand.OK: 23,
        CrossSourceBand.NOTE: 4,
        CrossSourceBand.INVESTIGATE: 1,
    }
    # and yesterday's TikTok and Apple Music spikes and the far-apart day raise alerts
    assert alerts == [
        ("TikTok views pig1987", "2026-11-25"),
        ("TikTok views zonea0", "2026-11-25"),
        ("cross-source Spotify", "2026-11-21"),
        ("streams distrokid/Apple Music", "2026-11-25"),
        ("streams toolost/Apple Music", "2026-11-25"),
    ]

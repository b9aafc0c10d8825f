"""Real files of every source through the whole pipeline into the warehouse: the facts land,
the validation report finds curated and warehouse in agreement, and rebuilding twice changes
no row of any warehouse table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Model, Sum

from apps.sources.connectors.linktree.samples import demo_linktree_files
from apps.sources.connectors.mailchimp.samples import demo_mailchimp_files
from apps.sources.connectors.metaads.samples import demo_files as demo_meta_files
from apps.sources.connectors.spotify.samples import demo_spotify_files
from apps.sources.connectors.submithub.samples import demo_submithub_files
from apps.warehouse import models as warehouse
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FACT_MODELS: list[type[Model]] = [
    warehouse.StatementLine,
    warehouse.DailyStream,
    warehouse.Campaign,
    warehouse.AdPerformanceDaily,
    warehouse.AdPerformancePeriod,
    warehouse.AudienceDaily,
    warehouse.SongWindowSnapshot,
    warehouse.SongStreamDaily,
    warehouse.LinkAnalyticsDaily,
    warehouse.LinkTotals,
    warehouse.AudienceBreakdown,
    warehouse.EmailCampaign,
    warehouse.ListMonthly,
    warehouse.ListSnapshot,
    warehouse.Submission,
    warehouse.Account,
    warehouse.Track,
]


def _ingest_all(folder: Path) -> list[str]:
    files = [("metaads", "", name, body) for name, body in demo_meta_files().items()]
    files += [("spotify", a, n, b) for a, n, b in demo_spotify_files()]
    files += [("linktree", a, n, b) for a, n, b in demo_linktree_files()]
    files += [("mailchimp", a, n, b) for a, n, b in demo_mailchimp_files(today=date(2025, 9, 1))]
    files += [("submithub", a, n, b) for a, n, b in demo_submithub_files(today=date(2025, 9, 1))]
    results = []
    for source, account, name, body in files:
        path = folder / name
        path.write_bytes(body)
        outcome = ingest_path(path=path, source_id=source, account=account)
        results.append(f"{source}/{name}: {outcome.result} {outcome.reason}".strip())
    return results


def _snapshot() -> dict[str, list[dict]]:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in FACT_MODELS}  # type: ignore[attr-defined]


def test_every_source_lands_in_the_warehouse_and_rebuilds_identically(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given the demo files of five sources ingested (and validated once each load commits)
    with django_capture_on_commit_callbacks(execute=True):
        results = _ingest_all(tmp_path)
    assert all(": accepted" in result for result in results), results
    # then their facts are in the warehouse (the Meta summary row is not loaded)
    meta_spend = warehouse.AdPerformancePeriod.objects.aggregate(s=Sum("spend_usd"))["s"]
    assert meta_spend == Decimal("61.80")
    assert warehouse.AdPerformanceDaily.objects.count() == 6
    assert warehouse.Campaign.objects.count() == 3
    assert warehouse.LinkAnalyticsDaily.objects.count() == 90
    assert warehouse.AudienceDaily.objects.filter(artist__name="ZONE A0").count() == 90
    counts = (warehouse.EmailCampaign.objects.count(), warehouse.Submission.objects.count())
    assert counts == (4, 24)
    # and the last report found curated and warehouse in agreement
    report = warehouse.ValidationReport.objects.order_by("-pk").first()
    assert report.summary["checks"]["curated_vs_warehouse"]["status"] == "pass"
    assert report.summary["checks"]["duplicates"]["status"] == "pass"
    # when the warehouse is rebuilt twice, then no row of any table changed
    before = _snapshot()
    call_command("rebuild_warehouse", stdout=StringIO())
    call_command("rebuild_warehouse", stdout=StringIO())
    assert _snapshot() == before

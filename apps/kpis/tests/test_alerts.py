"""Alerts after a load, and the credential, anomaly and data-quality rules of SPEC 5.4/5.3.6.

The clock is frozen at 2025-07-20 12:00 UTC (a Sunday), like the other KPI tests.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from apps.kpis import services, tasks
from apps.kpis.models import Alert, AlertRule
from apps.kpis.services import alerts_refresh
from apps.kpis.tests.factories import (
    ArtistFactory,
    DistributorFactory,
    PlatformFactory,
    StatementLineFactory,
    label_statements_create,
)
from apps.lake.models import FileStatus, LakeFile
from apps.sources.models import Credential
from apps.warehouse.models import AudienceDaily, DailyStream, WarehouseLoad
from apps.warehouse.services import warehouse_load_record

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 7, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def frozen_now() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _finish_a_load(django_capture_on_commit_callbacks: Any) -> WarehouseLoad:
    """The warehouse's own post-load step, with its after-commit work run."""
    with django_capture_on_commit_callbacks(execute=True):
        return warehouse_load_record(
            datasets=["statement_lines"], lake_file_id=None, rows=1, started_at=timezone.now()
        )


def _types(**filters: Any) -> list[tuple[str, str, str, str]]:
    return sorted(
        Alert.objects.filter(**filters).values_list("type", "subject", "period", "severity")
    )


# --- alerts follow every load ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sale_month", "message", "severity"),
    [
        # January 6.55 + 200 = 206.55 vs February 4.606789: down
        (
            date(2025, 1, 1),
            "Revenue down 201.943211 USD: 2025-02 4.606789 USD vs 2025-01 206.55 USD.",
            "high",
        ),
        # February 4.606789 + 200 = 204.606789 vs January 6.55: up
        (
            date(2025, 2, 1),
            "Revenue up 198.056789 USD: 2025-02 204.606789 USD vs 2025-01 6.55 USD.",
            "info",
        ),
    ],
)
def test_a_finished_load_refreshes_the_revenue_alert(
    alice_client: Any,
    frozen_now: Any,
    django_capture_on_commit_callbacks: Any,
    sale_month: date,
    message: str,
    severity: str,
) -> None:
    label = label_statements_create()
    StatementLineFactory(
        distributor=DistributorFactory(code="distrokid"),
        sale_month=sale_month,
        reporting_date=date(2025, 4, 10),
        platform=label["spotify"],
        artist=label["zone"],
        quantity=10,
        earnings_usd=Decimal("200"),
    )
    assert not Alert.objects.exists()

    load = _finish_a_load(django_capture_on_commit_callbacks)

    body = alice_client.get("/api/kpis/alerts", {"type": "revenue"}).json()
    assert [(row["period"], row["severity"], row["message"]) for row in body["results"]] == [
        ("2025-02", severity, message)
    ]
    assert body["as_of"] == load.finished_at.isoformat().replace("+00:00", "Z")


def test_a_failed_alert_refresh_never_fails_the_load(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    frozen_now: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(**kwargs: Any) -> list[Alert]:
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks, "alerts_refresh", broken)

    with caplog.at_level(logging.ERROR, logger="apps.kpis.receivers"):
        load = _finish_a_load(django_capture_on_commit_callbacks)

    assert WarehouseLoad.objects.filter(pk=load.pk).exists()
    assert "kpi_alerts_refresh_failed error=RuntimeError" in caplog.text


def test_alerts_refresh_task_counts_the_alerts_it_created(frozen_now: Any) -> None:
    Credential.objects.create(
        source="tiktok", account="zonea0", kind="cookies", secret=b"x", status="needs_reconnect"
    )

    assert tasks.kpi_alerts_refresh_task.delay().get() == 1
    assert tasks.kpi_alerts_refresh_task.delay().get() == 0


# --- credentials ----------------------------------------------------------------------------------


def test_credential_alerts_for_reconnect_expiry_and_expired_logins(frozen_now: Any) -> None:
    def login(account: str, **fields: Any) -> None:
        Credential.objects.create(
            source="spotify", account=account, kind="storage_state", secret=b"x", **fields
        )

    login("zonea0", status="needs_reconnect")
    login("pig1987", expires_at=NOW + timedelta(days=2, hours=1))  # within 3 days
    login("iwary", expires_at=NOW + timedelta(days=3, hours=1))  # not yet
    login("old", expires_at=NOW - timedelta(hours=1))  # expired, status not yet probed
    login("valid")

    alerts_refresh()

    assert _types(type="credential") == [
        ("credential", "spotify/old storage_state", "2025-07-20", "high"),
        ("credential", "spotify/pig1987 storage_state", "2025-07-22", "warning"),
        ("credential", "spotify/zonea0 storage_state", "reconnect", "high"),
    ]
    assert Alert.objects.get(subject="spotify/pig1987 storage_state").message == (
        "The spotify/pig1987 storage_state login expires on 2025-07-22 13:00 UTC."
    )


def test_credential_alert_window_is_an_editable_threshold(frozen_now: Any) -> None:
    Credential.objects.create(
        source="spotify",
        account="iwary",
        kind="storage_state",
        secret=b"x",
        expires_at=NOW + timedelta(days=5),
    )
    AlertRule.objects.filter(name="credential_expiry_days").update(threshold="7")

    alerts_refresh()

    assert _types(type="credential") == [
        ("credential", "spotify/iwary storage_state", "2025-07-25", "warning")
    ]


# --- anomalies ------------------------------------------------------------------------------------


def _streams(distributor: str, platform: str, values: list[int]) -> None:
    dist, plat = DistributorFactory(code=distributor), PlatformFactory(name=platform)
    first = date(2025, 7, 18) - timedelta(days=len(values) - 1)
    DailyStream.objects.bulk_create(
        DailyStream(date=first + timedelta(days=n), platform=plat, distributor=dist, streams=value)
        for n, value in enumerate(values)
    )


def test_anomaly_alerts_on_daily_streams_per_distributor_and_platform(frozen_now: Any) -> None:
    # 28 points alternating 100/110 (median 105, MAD 5), then the latest day
    baseline = [100, 110] * 14
    _streams("distrokid", "Spotify", [*baseline, 300])  # z = 0.6745 * 195 / 5 = 26.3: spike
    _streams("distrokid", "YouTube", [*baseline, 20])  # z = -11.5, change -85: drop
    _streams("toolost", "Spotify", [*baseline, 150])  # change 45 <= the 50-stream floor
    _streams("toolost", "YouTube", [*baseline[:20], 300])  # 20 previous points: too short

    alerts_refresh()

    assert _types(type="anomaly") == [
        ("anomaly", "streams distrokid/Spotify", "2025-07-18", "info"),
        ("anomaly", "streams distrokid/YouTube", "2025-07-18", "warning"),
    ]
    assert Alert.objects.get(subject="streams distrokid/Spotify").message == (
        "Streams spike for distrokid/Spotify on 2025-07-18: 300 vs a median of 105 over the "
        "previous 28 points."
    )


def test_anomaly_alerts_on_listeners_per_artist_follow_the_editable_floor(
    frozen_now: Any,
) -> None:
    zone = ArtistFactory(name="ZONE A0")
    first = date(2025, 6, 20)
    AudienceDaily.objects.bulk_create(
        AudienceDaily(
            account="zonea0",
            artist=zone,
            date=first + timedelta(days=n),
            listeners=1000 if n < 28 else 990,
        )
        for n in range(29)
    )

    alerts_refresh()
    assert _types(type="anomaly") == []  # a change of 10 is below the 20-listener floor

    AlertRule.objects.filter(name="anomaly_listeners_floor").update(threshold="5")
    alerts_refresh()
    # a flat baseline (MAD 0) makes any change past the floor an anomaly
    assert _types(type="anomaly") == [("anomaly", "listeners ZONE A0", "2025-07-18", "warning")]


# --- data quality ---------------------------------------------------------------------------------


def _lake_file(number: int, status: str, **fields: Any) -> LakeFile:
    return LakeFile.objects.create(
        source="distrokid",
        original_name=f"bank_{number}.tsv",
        landing_key=f"landing/distrokid/{number}",
        sha256=f"{number:064d}",
        size_bytes=1,
        status=status,
        **fields,
    )


def test_data_quality_alert_for_each_recently_quarantined_file(frozen_now: Any) -> None:
    fresh = _lake_file(1, FileStatus.QUARANTINED, error_code="unknown_schema")
    old = _lake_file(2, FileStatus.QUARANTINED, error_code="empty_file")
    LakeFile.objects.filter(pk=old.pk).update(updated_at=NOW - timedelta(days=8))
    _lake_file(3, FileStatus.LOADED)
    # a quarantined file staff dismissed after review no longer calls for an alert
    _lake_file(4, FileStatus.QUARANTINED, error_code="empty_file", dismissed_at=NOW)

    alerts_refresh()

    alert = Alert.objects.get(type="data_quality")
    assert (alert.subject, alert.period, alert.severity, alert.message) == (
        f"lake file {fresh.pk}",
        "2025-07-20",
        "warning",
        "bank_1.tsv (distrokid) was quarantined: unknown_schema.",
    )


def test_alerts_refresh_announces_new_and_escalated_alerts_only(
    monkeypatch: pytest.MonkeyPatch, frozen_now: Any
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        services, "broadcast_on_commit", lambda group, message: sent.append((group, message))
    )
    Credential.objects.create(
        source="tiktok",
        account="zonea0",
        kind="cookies",
        secret=b"x",
        expires_at=NOW + timedelta(days=2),
    )

    alerts_refresh()  # a warning: new
    alerts_refresh()  # nothing changed: silent
    frozen_now.shift(timedelta(days=3))
    alerts_refresh()  # the same login has now expired: escalated to high

    assert sent == [
        ("kpis.alerts", {"type": "alerts.changed", "created": 1, "changed": 0}),
        ("kpis.alerts", {"type": "alerts.changed", "created": 0, "changed": 1}),
    ]
    assert _types(type="credential") == [
        ("credential", "tiktok/zonea0 cookies", "2025-07-22", "high")
    ]

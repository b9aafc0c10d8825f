"""The 09:00 digest gathers the anomaly alerts no one has acknowledged since the previous digest
(SPEC 5.3.6 and 6.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from apps.health.models import Notification
from apps.health.services import health_daily_summary_send
from apps.health.tests import factories

pytestmark = pytest.mark.django_db

PREVIOUS_DIGEST = datetime(2025, 6, 14, 9, 0, tzinfo=UTC)
NOW = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)


def _alert(*, type: str, subject: str, created_at: datetime, **fields: Any) -> Any:
    # Looked up by label, like health itself: health tests need no import of kpis.
    alert_model = django_apps.get_model("kpis.Alert")
    defaults = {"period": created_at.date().isoformat(), "severity": "warning"}
    alert = alert_model.objects.create(type=type, subject=subject, **{**defaults, **fields})
    # created_at is auto_now_add: set the time the alert was raised afterwards.
    alert_model.objects.filter(pk=alert.pk).update(created_at=created_at)
    return alert


@pytest.fixture
def alerts() -> None:
    """Four anomalies around the previous digest, one acknowledged, and a non-anomaly alert."""
    # raised before the previous digest: that digest already listed it
    _alert(
        type="anomaly",
        subject="streams distrokid/spotify",
        created_at=PREVIOUS_DIGEST - timedelta(hours=1),
        message="streams 120 vs median 900 (z -5.1)",
    )
    _alert(
        type="anomaly",
        subject="tiktok views pig1987",
        created_at=PREVIOUS_DIGEST + timedelta(hours=3),
        severity="info",
        message="views 48,000 vs median 6,100 (z 7.2)",
    )
    _alert(
        type="anomaly",
        subject="linktree ctr",
        created_at=PREVIOUS_DIGEST + timedelta(hours=20),
        message="CTR 0.010 vs median 0.085 (z -4.0)",
    )
    acknowledged = _alert(
        type="anomaly",
        subject="meta cpm campaign 12",
        created_at=PREVIOUS_DIGEST + timedelta(hours=5),
        message="CPM 31.00 vs median 7.40 (z 6.3)",
    )
    operator = get_user_model().objects.create_user("ada", is_staff=True)
    type(acknowledged).objects.filter(pk=acknowledged.pk).update(
        acknowledged_at=PREVIOUS_DIGEST + timedelta(hours=6), acknowledged_by=operator
    )
    _alert(
        type="streaming",
        subject="weekly streams",
        created_at=PREVIOUS_DIGEST + timedelta(hours=4),
        message="last week 25 % below the week before",
    )


@pytest.mark.usefixtures("alerts")
def test_digest_lists_the_unacknowledged_anomalies_raised_since_the_previous_digest() -> None:
    # given yesterday's digest was sent at 09:00
    Notification.objects.create(
        type="daily_summary",
        severity="info",
        subject="Daily summary 2025-06-14",
        dedupe_key="daily_summary|||Daily summary 2025-06-14",
        message="",
        created_at=PREVIOUS_DIGEST,
    )

    # when today's digest goes out
    digest = health_daily_summary_send(now=NOW)

    # then it lists the 2 anomalies raised since then that no one acknowledged, oldest first;
    # not the one raised before the previous digest, the acknowledged one or the streaming alert
    assert digest is not None
    assert digest.message.splitlines() == [
        "Runs in the last 24 h: 0 succeeded, 0 failed.",
        "Anomalies since 2025-06-14 09:00 UTC: 2 unacknowledged.",
        "- info tiktok views pig1987 (2025-06-14): views 48,000 vs median 6,100 (z 7.2)",
        "- warning linktree ctr (2025-06-15): CTR 0.010 vs median 0.085 (z -4.0)",
    ]
    assert digest.details == {"succeeded_24h": 0, "failed_24h": 0, "anomalies": 2}


@pytest.mark.usefixtures("alerts")
def test_first_digest_lists_the_anomalies_of_the_last_24_hours() -> None:
    # given no digest was ever sent, and one scored source, whose line comes before the section
    factories.lake_file(source="spotify", created_at=NOW, period_end=NOW.date())

    # when the first digest goes out
    digest = health_daily_summary_send(now=NOW)

    # then it covers the 24 h before it: the anomaly of 08:00 yesterday is too old for it
    assert digest is not None
    assert digest.message.splitlines() == [
        "Runs in the last 24 h: 0 succeeded, 0 failed.",
        "spotify: HEALTHY 100, data 0 days old, login none",
        "Anomalies since 2025-06-14 09:00 UTC: 2 unacknowledged.",
        "- info tiktok views pig1987 (2025-06-14): views 48,000 vs median 6,100 (z 7.2)",
        "- warning linktree ctr (2025-06-15): CTR 0.010 vs median 0.085 (z -4.0)",
    ]


def test_digest_without_anomalies_says_none_are_waiting() -> None:
    digest = health_daily_summary_send(now=NOW)
    assert digest is not None
    assert digest.message.splitlines() == [
        "Runs in the last 24 h: 0 succeeded, 0 failed.",
        "Anomalies since 2025-06-14 09:00 UTC: 0 unacknowledged.",
    ]

"""The health check's overall-status message (SPEC 5.4 `pipeline`, 6.6): one message per change
of the overall status, none while it stays the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.health.models import Notification
from apps.health.scoring import Status
from apps.health.services import health_check_run, health_overall_notification_send
from apps.health.tests import factories
from apps.health.tests.fake_servers import fake_webhook

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def _send(status: Status, minutes: int) -> Notification | None:
    return health_overall_notification_send(
        status=status, scores=[], is_enabled=True, now=NOW + timedelta(minutes=minutes)
    )


def _sent() -> list[tuple[str, str, bool, str]]:
    rows = Notification.objects.filter(type="pipeline").order_by("created_at", "id")
    return [(row.severity, row.details["change"], row.is_recovery, row.message) for row in rows]


def test_overall_status_changes_are_announced_once_each() -> None:
    # when the 30-minute checks see HEALTHY, WARNING twice, CRITICAL, then HEALTHY twice
    for minutes, status in enumerate(
        (
            Status.HEALTHY,
            Status.WARNING,
            Status.WARNING,
            Status.CRITICAL,
            Status.HEALTHY,
            Status.HEALTHY,
        )
    ):
        _send(status, minutes * 30)

    # then three messages: each worsening at its severity, and one recovery
    assert _sent() == [
        ("warning", "worsened", False, "Overall health worsened: HEALTHY -> WARNING."),
        ("high", "worsened", False, "Overall health worsened: WARNING -> CRITICAL."),
        ("info", "recovered", True, "Overall health recovered: CRITICAL -> HEALTHY."),
    ]


def test_a_partial_improvement_waits_for_the_cooloff_so_flapping_stays_quiet(
    settings: Any,
) -> None:
    settings.BEDROT_NOTIFY_COOLOFF_S = 6 * 3600
    # given FAILED announced; 30 min later CRITICAL, then FAILED again 30 min after that
    assert _send(Status.FAILED, 0) is not None
    assert _send(Status.CRITICAL, 30) is None  # an improvement inside the 6 h cool-off
    assert _send(Status.FAILED, 60) is None  # still the announced status: nothing new
    # after the cool-off, the improvement is announced as info
    improved = _send(Status.CRITICAL, 7 * 60)
    assert improved is not None
    assert (improved.severity, improved.message) == (
        "info",
        "Overall health improved: FAILED -> CRITICAL.",
    )


def test_health_check_sends_the_overall_change_to_the_webhook(settings: Any) -> None:
    # given toolost 10 days stale (FAILED) and spotify fresh: overall WARNING
    factories.lake_file(
        source="toolost",
        kind="analytics",
        created_at=NOW - timedelta(days=10),
        period_end=(NOW - timedelta(days=10)).date(),
    )
    factories.lake_file(
        source="spotify", created_at=NOW, period_end=(NOW - timedelta(days=1)).date()
    )
    with fake_webhook() as (base_url, hooks):
        settings.BEDROT_NOTIFY_WEBHOOK_URLS = [f"{base_url}/generic"]
        settings.BEDROT_NOTIFY_WEBHOOK_MIN_SEVERITY = "warning"
        # when two checks run
        first = health_check_run(remediate=False, now=NOW)
        health_check_run(remediate=False, now=NOW + timedelta(minutes=30))

    # then the change went out once, naming the bad source, and is listed in the document
    assert first.overall_status == "WARNING"
    pipeline = [body for _path, body in hooks.messages if body["type"] == "pipeline"]
    assert pipeline == [
        {
            "type": "pipeline",
            "severity": "warning",
            "source": "",
            "account": "",
            "message": (
                "Overall health worsened: HEALTHY -> WARNING. "
                "Sources needing attention: toolost FAILED (25)."
            ),
            "details": {"status": "WARNING", "previous_status": "HEALTHY", "change": "worsened"},
            "url": "http://localhost:8000/health/",
            "created_at": NOW.isoformat(),
        }
    ]
    assert {"type": "pipeline", "severity": "warning", "subject": "overall health"} in [
        {key: item[key] for key in ("type", "severity", "subject")}
        for item in first.document["notifications"]
    ]


def test_a_single_service_check_never_announces_the_overall_status() -> None:
    factories.lake_file(
        source="toolost", kind="analytics", created_at=NOW, period_end=NOW.date() - timedelta(10)
    )
    health_check_run(service="toolost", remediate=False, now=NOW)
    assert not Notification.objects.filter(type="pipeline").exists()

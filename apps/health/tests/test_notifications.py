"""Notifications: email through a fake SMTP server and webhooks to a fake receiver, with
de-duplication, cool-off, severity rise, recovery and failed deliveries (SPEC 6.6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apps.health.models import Notification, NotificationCooloff
from apps.health.notifications import NotificationEvent, notification_send
from apps.health.tests.fake_servers import Received, fake_smtp, fake_webhook

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def receivers(settings: Any) -> Iterator[tuple[Received, Received]]:
    """Email to a fake SMTP server; slack, discord and generic webhooks to one fake receiver."""
    with fake_smtp() as (smtp_port, mail), fake_webhook() as (base_url, hooks):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
        settings.BEDROT_NOTIFY_EMAIL_TO = ["ops@example.com"]
        settings.BEDROT_NOTIFY_WEBHOOK_URLS = [
            f"slack={base_url}/slack",
            f"discord={base_url}/discord",
            f"{base_url}/generic",
        ]
        settings.BEDROT_NOTIFY_COOLOFF_S = 6 * 3600
        yield mail, hooks


def _event(severity: str = "high", **overrides: Any) -> NotificationEvent:
    values: dict[str, Any] = {
        "type": "source_status",
        "severity": severity,
        "subject": "status",
        "message": "toolost health is FAILED (score 25).",
        "source": "toolost",
        "url": "http://localhost:8000/health/#source-toolost",
        "details": {"score": 25},
    }
    values.update(overrides)
    return NotificationEvent(**values)


def test_notification_send_delivers_email_and_each_webhook_format(
    receivers: tuple[Received, Received],
) -> None:
    mail, hooks = receivers
    # when one event is sent
    row = notification_send(event=_event(), now=NOW)
    # then one email and three webhook calls arrived, each in its channel's shape
    assert row is not None
    assert row.outcome == "sent"
    assert row.deliveries == {
        "email": "sent",
        "webhook_0_slack": "sent",
        "webhook_1_discord": "sent",
        "webhook_2_json": "sent",
    }
    assert len(mail.messages) == 1
    assert "Subject: [Bedrot high] status" in mail.messages[0]
    assert "text/html" in mail.messages[0]
    bodies = dict(hooks.messages)
    assert set(bodies) == {"/slack", "/discord", "/generic"}
    assert bodies["/slack"]["blocks"][0]["type"] == "section"
    assert bodies["/discord"]["embeds"][0]["title"] == "[HIGH] status"
    assert bodies["/generic"] == {
        "type": "source_status",
        "severity": "high",
        "source": "toolost",
        "account": "",
        "message": "toolost health is FAILED (score 25).",
        "details": {"score": 25},
        "url": "http://localhost:8000/health/#source-toolost",
        "created_at": "2025-06-15T12:00:00+00:00",
    }


def test_notification_send_dedupes_within_cooloff_and_resends_after(
    receivers: tuple[Received, Received],
) -> None:
    mail, hooks = receivers
    notification_send(event=_event(), now=NOW)
    # when the same key comes again 5 hours later, then nothing is sent
    assert notification_send(event=_event(), now=NOW + timedelta(hours=5)) is None
    assert (len(mail.messages), len(hooks.messages)) == (1, 3)
    # when it comes 6 hours later, then it is sent again
    assert notification_send(event=_event(), now=NOW + timedelta(hours=6)) is not None
    assert (len(mail.messages), len(hooks.messages)) == (2, 6)


def test_notification_send_severity_rise_bypasses_cooloff(
    receivers: tuple[Received, Received],
) -> None:
    mail, _ = receivers
    notification_send(event=_event("high"), now=NOW)
    # when the same key rises to critical ten minutes later, then it is sent at once
    assert notification_send(event=_event("critical"), now=NOW + timedelta(minutes=10))
    assert len(mail.messages) == 2


def test_notification_send_cooloff_is_editable_per_type(
    receivers: tuple[Received, Received],
) -> None:
    mail, _ = receivers
    NotificationCooloff.objects.create(type="source_status", cooloff_minutes=30)
    notification_send(event=_event(), now=NOW)
    assert notification_send(event=_event(), now=NOW + timedelta(minutes=31)) is not None
    assert len(mail.messages) == 2


def test_notification_send_recovery_is_sent_once_and_only_after_a_problem(
    receivers: tuple[Received, Received],
) -> None:
    mail, _ = receivers
    recovered = _event("info", is_recovery=True)
    # a recovery with nothing announced before is not sent
    assert notification_send(event=recovered, now=NOW) is None
    notification_send(event=_event(), now=NOW)
    # then the first recovery goes out, the second does not
    assert notification_send(event=recovered, now=NOW + timedelta(minutes=1)) is not None
    assert notification_send(event=recovered, now=NOW + timedelta(minutes=2)) is None
    assert len(mail.messages) == 2
    # and the problem coming back is announced again at once
    assert notification_send(event=_event(), now=NOW + timedelta(minutes=3)) is not None


def test_notification_send_min_severity_filters_channels(
    receivers: tuple[Received, Received], settings: Any
) -> None:
    mail, hooks = receivers
    settings.BEDROT_NOTIFY_EMAIL_MIN_SEVERITY = "critical"
    # when a high event is sent, then webhooks get it and email does not
    row = notification_send(event=_event("high"), now=NOW)
    assert row is not None
    assert "email" not in row.deliveries
    assert (len(mail.messages), len(hooks.messages)) == (0, 3)


def test_notification_send_failed_webhook_is_recorded_after_3_attempts(settings: Any) -> None:
    with fake_webhook(status=500) as (base_url, hooks):
        settings.BEDROT_NOTIFY_EMAIL_TO = []
        settings.BEDROT_NOTIFY_WEBHOOK_URLS = [f"{base_url}/broken"]
        # when the receiver answers 500
        row = notification_send(event=_event(), now=NOW)
    # then it was tried 3 times, recorded as failed, and nothing was raised
    assert len(hooks.messages) == 3
    assert row is not None
    assert (row.outcome, row.deliveries) == ("failed", {"webhook_0_json": "failed: HTTPError"})
    assert Notification.objects.get().outcome == "failed"


def test_notification_send_disabled_sends_and_stores_nothing(
    receivers: tuple[Received, Received],
) -> None:
    mail, hooks = receivers
    row = notification_send(event=_event(), is_enabled=False, now=NOW)
    assert row is not None
    assert row.pk is None
    assert (len(mail.messages), len(hooks.messages), Notification.objects.count()) == (0, 0, 0)

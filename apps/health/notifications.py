"""Notifications: email and webhooks, de-duplicated by key with a cool-off (SPEC 6.6).

A delivery failure is recorded on the Notification row and never raised: the pipeline that
noticed a problem must not fail because the message about it could not be sent.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.html import escape

from apps.health.models import (
    SEVERITY_ORDER,
    Notification,
    NotificationCooloff,
    NotificationType,
    Severity,
)

logger = logging.getLogger(__name__)

DELIVERY_ATTEMPTS = 3
# Waits before the 2nd and 3rd attempt; short, because a health check waits for them.
DELIVERY_BACKOFF_S = (1.0, 3.0)
# "Entering stale notifies once": a stale source is not re-announced every cool-off.
DEFAULT_COOLOFF_BY_TYPE = {NotificationType.STALE: timedelta(days=7)}
_DISCORD_COLOURS = {"info": 0x3498DB, "warning": 0xF1C40F, "high": 0xE67E22, "critical": 0xE74C3C}
_sleep = time.sleep  # tests replace it so retries do not wait


@dataclass(frozen=True)
class NotificationEvent:
    type: str
    severity: str
    subject: str
    message: str
    source: str = ""
    account: str = ""
    url: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    is_recovery: bool = False

    @property
    def dedupe_key(self) -> str:
        return "|".join((self.type, self.source, self.account, self.subject))


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(Severity(severity))


def absolute_url(path: str) -> str:
    return f"{settings.BEDROT_BASE_URL.rstrip('/')}{path}"


def cooloff_for(notification_type: str) -> timedelta:
    override = NotificationCooloff.objects.filter(type=notification_type).first()
    if override is not None:
        return timedelta(minutes=override.cooloff_minutes)
    default = timedelta(seconds=settings.BEDROT_NOTIFY_COOLOFF_S)
    return DEFAULT_COOLOFF_BY_TYPE.get(NotificationType(notification_type), default)


def _last_delivered(key: str) -> Notification | None:
    return (
        Notification.objects.filter(
            dedupe_key=key,
            outcome__in=(Notification.Outcome.SENT, Notification.Outcome.FAILED),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def _is_due(event: NotificationEvent, *, now: datetime) -> bool:
    last = _last_delivered(event.dedupe_key)
    if event.is_recovery:
        # Recovery is announced once, and only for a condition that was announced.
        return last is not None and not last.is_recovery
    if last is None or last.is_recovery:
        return True
    if _rank(event.severity) > _rank(last.severity):
        return True  # a rise in severity bypasses the cool-off
    return now - last.created_at >= cooloff_for(event.type)


def notification_condition_is_open(event: NotificationEvent) -> bool:
    """True when this key's last delivered message announced a problem not yet recovered."""
    last = _last_delivered(event.dedupe_key)
    return last is not None and not last.is_recovery


def _webhook_format(entry: str) -> tuple[str, str]:
    """`slack=URL`, `discord=URL`, `json=URL`, or a bare URL whose host decides."""
    kind, separator, url = entry.partition("=")
    if separator and kind in ("slack", "discord", "json") and "://" in url:
        return kind, url
    host = urlsplit(entry).hostname or ""
    if host == "hooks.slack.com":
        return "slack", entry
    if host in ("discord.com", "discordapp.com"):
        return "discord", entry
    return "json", entry


def _webhook_body(kind: str, event: NotificationEvent, created_at: datetime) -> dict[str, Any]:
    title = f"[{event.severity.upper()}] {event.subject}"
    if kind == "slack":
        text = f"*{title}*\n{event.message}" + (
            f"\n<{event.url}|Open in Bedrot>" if event.url else ""
        )
        return {
            "text": f"{title}: {event.message}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
    if kind == "discord":
        embed = {
            "title": title,
            "description": event.message,
            "color": _DISCORD_COLOURS.get(event.severity, 0),
            "timestamp": created_at.isoformat(),
        }
        if event.url:
            embed["url"] = event.url
        return {"embeds": [embed]}
    return {
        "type": event.type,
        "severity": event.severity,
        "source": event.source,
        "account": event.account,
        "message": event.message,
        "details": event.details,
        "url": event.url,
        "created_at": created_at.isoformat(),
    }


def _post_json(url: str, body: dict[str, Any]) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("webhook URL must be http or https")
    request = urllib.request.Request(  # the scheme was checked above: http(s) only
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "bedrot-notify"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.BEDROT_NOTIFY_TIMEOUT_S) as response:
        response.read(1024)


def _send_email(event: NotificationEvent) -> None:
    text = event.message + (f"\n\nOpen in Bedrot: {event.url}" if event.url else "")
    html = f"<p>{escape(event.message)}</p>" + (
        f'<p><a href="{escape(event.url)}">Open in Bedrot</a></p>' if event.url else ""
    )
    connection = get_connection(timeout=settings.BEDROT_NOTIFY_TIMEOUT_S)
    mail = EmailMultiAlternatives(
        subject=f"[Bedrot {event.severity}] {event.subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(settings.BEDROT_NOTIFY_EMAIL_TO),
        connection=connection,
    )
    mail.attach_alternative(html, "text/html")
    mail.send(fail_silently=False)


def _with_attempts(send: Any, *args: Any) -> str:
    """Try a delivery up to 3 times with backoff; return `sent` or the last error's type."""
    error_name = ""
    for attempt in range(DELIVERY_ATTEMPTS):
        try:
            send(*args)
            return "sent"
        except Exception as error:  # any failure of the receiver is recorded, never raised
            error_name = type(error).__name__
            if attempt < DELIVERY_ATTEMPTS - 1:
                _sleep(DELIVERY_BACKOFF_S[attempt])
    return f"failed: {error_name}"


def _channel_wants(min_severity: str, event: NotificationEvent) -> bool:
    if event.type == NotificationType.DAILY_SUMMARY or event.is_recovery:
        # The digest goes to every channel (the quiet ones subscribe to it), and a recovery
        # reaches every channel that may have heard about the problem.
        return True
    return _rank(event.severity) >= _rank(min_severity)


def _deliver(event: NotificationEvent, created_at: datetime) -> dict[str, str]:
    deliveries: dict[str, str] = {}
    if settings.BEDROT_NOTIFY_EMAIL_TO and _channel_wants(
        settings.BEDROT_NOTIFY_EMAIL_MIN_SEVERITY, event
    ):
        deliveries["email"] = _with_attempts(_send_email, event)
    if _channel_wants(settings.BEDROT_NOTIFY_WEBHOOK_MIN_SEVERITY, event):
        for index, entry in enumerate(settings.BEDROT_NOTIFY_WEBHOOK_URLS):
            kind, url = _webhook_format(entry)
            body = _webhook_body(kind, event, created_at)
            # The key names the position, never the URL: webhook URLs embed their secret.
            deliveries[f"webhook_{index}_{kind}"] = _with_attempts(_post_json, url, body)
    return deliveries


def notification_send(
    *, event: NotificationEvent, is_enabled: bool = True, now: datetime | None = None
) -> Notification | None:
    """Send an event unless its key is inside the cool-off; returns the row, or None if not due."""
    now = now or timezone.now()
    if not _is_due(event, now=now):
        return None
    row = Notification(
        type=event.type,
        severity=event.severity,
        source=event.source,
        account=event.account,
        subject=event.subject[:200],
        dedupe_key=event.dedupe_key[:400],
        message=event.message,
        details=event.details,
        url=event.url,
        is_recovery=event.is_recovery,
        outcome=Notification.Outcome.DISABLED,
        created_at=now,
    )
    if not is_enabled:
        return row  # listed as pending by the caller, never stored, so it stays due
    row.deliveries = _deliver(event, now)
    is_any_sent = any(value == "sent" for value in row.deliveries.values())
    row.outcome = (
        Notification.Outcome.SENT
        if is_any_sent or not row.deliveries
        else Notification.Outcome.FAILED
    )
    row.save()
    logger.info(
        "notification_recorded type=%s severity=%s source=%s outcome=%s",
        event.type,
        event.severity,
        event.source,
        row.outcome,
    )
    return row

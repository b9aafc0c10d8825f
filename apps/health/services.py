"""The health check: score every source, auto-pause, remediate, notify, announce, report."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from apps.health.broadcast import broadcast_on_commit
from apps.health.groups import health_status_group
from apps.health.models import (
    Notification,
    NotificationType,
    RemediationAction,
    RunStatus,
    Severity,
    TaskRun,
)
from apps.health.notifications import (
    NotificationEvent,
    absolute_url,
    notification_condition_is_open,
    notification_send,
)
from apps.health.ops import source_auto_pause_check
from apps.health.remediation import remediation_outcomes_update, remediation_run
from apps.health.scoring import (
    CredentialStatus,
    SourceFacts,
    SourceScore,
    Status,
    overall_status,
    source_score,
)
from apps.health.selectors import (
    DIGEST_FALLBACK_WINDOW,
    anomaly_alerts_unacknowledged_since,
    health_source_ids,
    previous_digest_at,
    source_facts_get,
)

logger = logging.getLogger(__name__)

_RECOMMENDATIONS = {
    "no_data": "Configure the source's login or upload its first export.",
    "freshness": "Run the extraction now, or upload a newer export.",
    "critical_source_stale": "This source feeds revenue: fetch it today.",
    "credential": "Verify or renew the login on the credential page.",
    "failed_runs_24h": "Read the failed runs' errors below and retry them.",
    "consecutive_failures": "Fix the repeated failure before the schedule auto-pauses.",
    "auto_paused": "Fix the cause, then resume the schedule (it runs once on resume).",
    "rejected_rows": "Look at the rejected rows of the last file in the lake browser.",
    "quarantined_file": "Reprocess or dismiss the quarantined file in the lake browser.",
    "bottleneck": "Re-run the waiting files' next step (remediation does this hourly).",
}
_URGENT_RULES = {"no_data", "critical_source_stale", "credential", "auto_paused"}
_CREDENTIAL_SEVERITY = {
    CredentialStatus.EXPIRING: Severity.WARNING,
    CredentialStatus.CRITICAL: Severity.HIGH,
    CredentialStatus.EXPIRED: Severity.HIGH,
    CredentialStatus.MISSING: Severity.HIGH,
}


@dataclass(frozen=True)
class EvaluatedSource:
    facts: SourceFacts
    score: SourceScore


@dataclass
class HealthCheckResult:
    document: dict[str, Any]
    overall_status: Status
    evaluated: list[EvaluatedSource] = field(default_factory=list)


def health_evaluate(*, service: str | None = None, now: datetime) -> list[EvaluatedSource]:
    """Score the sources without changing anything: what the API and the page show."""
    evaluated = []
    for source in health_source_ids(service):
        facts = source_facts_get(source, now=now)
        evaluated.append(EvaluatedSource(facts, source_score(facts, now=now)))
    return evaluated


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _expiry_text(expires_at: datetime | None) -> str:
    return f"; it expires at {expires_at.isoformat()}." if expires_at else "."


def _source_events(score: SourceScore) -> list[tuple[NotificationEvent, bool]]:
    """(event, is_active) per condition: active ones are sent, cleared ones recover once."""
    source = score.source
    url = absolute_url(f"/health/#source-{source}")
    is_bad = score.status in (Status.CRITICAL, Status.FAILED)
    is_stale = any(item.rule == "freshness" for item in score.deductions)
    credential = score.credential
    credential_severity = _CREDENTIAL_SEVERITY.get(credential.status)
    return [
        (
            NotificationEvent(
                type=NotificationType.SOURCE_STATUS,
                severity=Severity.CRITICAL if score.status == Status.FAILED else Severity.HIGH,
                subject=f"{source} is {score.status}",
                message=f"{source} health is {score.status} (score {score.score}).",
                source=source,
                url=url,
                details={"score": score.score},
            ),
            is_bad,
        ),
        (
            NotificationEvent(
                type=NotificationType.STALE,
                severity=Severity.WARNING,
                subject=f"{source} data is stale",
                message=f"{source} data is older than its expected cadence.",
                source=source,
                url=url,
                details={"freshness_days": score.freshness_days},
            ),
            is_stale,
        ),
        (
            NotificationEvent(
                type=NotificationType.CREDENTIAL,
                severity=credential_severity or Severity.WARNING,
                subject=f"{source} login {credential.status}",
                message=(
                    f"The {source} login ({credential.account or '-'}) is {credential.status}"
                    + (
                        f"; it expires at {_iso(credential.expires_at)}."
                        if credential.expires_at
                        else "."
                    )
                ),
                source=source,
                account=credential.account,
                url=absolute_url("/health/#credentials"),
                details={"status": str(credential.status)},
            ),
            credential_severity is not None,
        ),
    ]


def _stable_key(event: NotificationEvent) -> NotificationEvent:
    """The dedupe key names the condition, not its current wording (status or login state)."""
    subjects = {
        NotificationType.SOURCE_STATUS: "status",
        NotificationType.STALE: "freshness",
        NotificationType.CREDENTIAL: "login",
    }
    return NotificationEvent(
        type=event.type,
        severity=event.severity,
        subject=subjects.get(NotificationType(event.type), event.subject),
        message=event.message,
        source=event.source,
        account=event.account if event.type != NotificationType.CREDENTIAL else "",
        url=event.url,
        details={**event.details, "title": event.subject},
        is_recovery=event.is_recovery,
    )


def _recovery(event: NotificationEvent) -> NotificationEvent:
    return NotificationEvent(
        type=event.type,
        severity=Severity.INFO,
        subject=event.subject,
        message=f"Recovered: {event.source} {event.subject} is back to normal.",
        source=event.source,
        account=event.account,
        url=event.url,
        details=event.details,
        is_recovery=True,
    )


def health_notifications_send(
    *, scores: list[SourceScore], is_enabled: bool, now: datetime
) -> list[Notification]:
    sent = []
    for score in scores:
        if score.score is None:
            continue
        for raw_event, is_active in _source_events(score):
            event = _stable_key(raw_event)
            if not is_active:
                if not notification_condition_is_open(event):
                    continue
                event = _recovery(event)
            row = notification_send(event=event, is_enabled=is_enabled, now=now)
            if row is not None:
                sent.append(row)
    return sent


# Overall status, best first; a message goes out when a check lands on another rung.
_OVERALL_ORDER = (Status.HEALTHY, Status.WARNING, Status.CRITICAL, Status.FAILED)
_OVERALL_SEVERITY = {
    Status.WARNING: Severity.WARNING,
    Status.CRITICAL: Severity.HIGH,
    Status.FAILED: Severity.CRITICAL,
}
_OVERALL_SUBJECT = "overall health"


def _last_announced_overall() -> Status:
    """The overall status the last delivered `pipeline` message announced (HEALTHY if none)."""
    last = (
        Notification.objects.filter(
            type=NotificationType.PIPELINE,
            subject=_OVERALL_SUBJECT,
            outcome__in=(Notification.Outcome.SENT, Notification.Outcome.FAILED),
        )
        .order_by("-created_at", "-id")
        .first()
    )
    status = (last.details or {}).get("status") if last is not None else None
    return Status(status) if status in _OVERALL_ORDER else Status.HEALTHY


def health_overall_notification_send(
    *, status: Status, scores: list[SourceScore], is_enabled: bool, now: datetime
) -> Notification | None:
    """Announce a change of the overall status since the last announced one (SPEC 5.4/6.6):
    worse is sent at the new status's severity, better as info, HEALTHY again as `recovered`.
    An unchanged status sends nothing, however many checks run."""
    previous = _last_announced_overall()
    if status == previous or status not in _OVERALL_ORDER:
        return None
    is_worse = _OVERALL_ORDER.index(status) > _OVERALL_ORDER.index(previous)
    verb = "worsened" if is_worse else "recovered" if status == Status.HEALTHY else "improved"
    bad = [
        f"{item.source} {item.status} ({item.score})"
        for item in scores
        if item.status in (Status.WARNING, Status.CRITICAL, Status.FAILED)
    ]
    message = f"Overall health {verb}: {previous} -> {status}." + (
        f" Sources needing attention: {', '.join(bad)}." if bad else ""
    )
    return notification_send(
        event=NotificationEvent(
            type=NotificationType.PIPELINE,
            severity=_OVERALL_SEVERITY[status] if is_worse else Severity.INFO,
            subject=_OVERALL_SUBJECT,
            message=message,
            url=absolute_url("/health/"),
            details={"status": str(status), "previous_status": str(previous), "change": verb},
            is_recovery=status == Status.HEALTHY,
        ),
        is_enabled=is_enabled,
        now=now,
    )


def _action_dict(action: RemediationAction) -> dict[str, Any]:
    return {
        "kind": action.kind,
        "source": action.source,
        "account": action.account,
        "subject": action.subject,
        "outcome": action.outcome,
        "detail": action.detail,
        "run_id": action.child_run_id,
    }


def _service_document(item: EvaluatedSource, actions: list[RemediationAction]) -> dict[str, Any]:
    score, runs = item.score, item.facts.runs
    rules = [deduction.rule for deduction in score.deductions]
    return {
        "status": str(score.status),
        "score": score.score,
        "priority": str(score.priority),
        "deductions": [deduction.as_dict() for deduction in score.deductions],
        "bottlenecks": list(score.bottlenecks),
        "recommendations": [
            {"urgent": rule in _URGENT_RULES, "text": _RECOMMENDATIONS[rule]} for rule in rules
        ],
        "actions": [_action_dict(action) for action in actions],
        "freshness": {
            dataset.name: {
                "newest_date": dataset.newest_date.isoformat() if dataset.newest_date else None,
                "age_days": dataset.age_days,
                "deduction": dataset.base,
            }
            for dataset in score.freshness
        },
        "freshness_days": score.freshness_days,
        "credential": {
            "status": str(score.credential.status),
            "expires_at": _iso(score.credential.expires_at),
            "last_verified_at": _iso(score.credential.last_verified_at),
        },
        "runs": {
            "failed_24h": runs.failed_24h,
            "consecutive_failures": runs.consecutive_failures,
            "last_success_at": _iso(runs.last_success_at),
            "last_error": runs.last_error,
        },
    }


def health_document_build(
    *,
    evaluated: list[EvaluatedSource],
    actions: dict[str, list[RemediationAction]],
    notifications: list[Notification],
    remediation_enabled: bool,
    notifications_enabled: bool,
    now: datetime,
) -> dict[str, Any]:
    scores = [item.score for item in evaluated]
    scored = [item for item in scores if item.score is not None]
    every_action = [action for source_actions in actions.values() for action in source_actions]
    return {
        "generated_at": now.isoformat(),
        "overall_status": str(overall_status(scores)),
        "auto_remediation_enabled": remediation_enabled,
        "notifications_enabled": notifications_enabled,
        "healthy_sources": sum(1 for item in scored if item.status == Status.HEALTHY),
        "scored_sources": len(scored),
        "remediation_actions": [_action_dict(action) for action in every_action],
        "notifications": [
            {
                "type": row.type,
                "severity": row.severity,
                "subject": row.subject,
                "outcome": "pending" if not notifications_enabled else row.outcome,
            }
            for row in notifications
        ],
        "services": {
            item.score.source: _service_document(item, actions.get(item.score.source, []))
            for item in evaluated
        },
    }


def health_check_run(
    *,
    service: str | None = None,
    remediate: bool = True,
    notify: bool = True,
    now: datetime | None = None,
) -> HealthCheckResult:
    """One health check: auto-pause, score, remediate, notify, then announce the result."""
    now = now or timezone.now()
    remediation_outcomes_update()
    for source in health_source_ids(service):
        source_auto_pause_check(source=source, notify=notify, now=now)
    evaluated = health_evaluate(service=service, now=now)
    actions = {
        item.score.source: remediation_run(
            score=item.score, enabled=remediate, notify=notify, now=now
        )
        for item in evaluated
    }
    scores = [item.score for item in evaluated]
    notifications = health_notifications_send(scores=scores, is_enabled=notify, now=now)
    if service is None:  # one scored service says nothing about the overall status
        overall = health_overall_notification_send(
            status=overall_status(scores), scores=scores, is_enabled=notify, now=now
        )
        notifications += [overall] if overall is not None else []
    document = health_document_build(
        evaluated=evaluated,
        actions=actions,
        notifications=notifications,
        remediation_enabled=remediate,
        notifications_enabled=notify,
        now=now,
    )
    status = Status(document["overall_status"])
    broadcast_on_commit(
        health_status_group(),
        {
            "type": "health_changed",
            "overall_status": str(status),
            "scores": {source: body["score"] for source, body in document["services"].items()},
        },
    )
    logger.info(
        "health_checked overall=%s sources=%s actions=%s",
        status,
        len(evaluated),
        len(document["remediation_actions"]),
    )
    return HealthCheckResult(document=document, overall_status=status, evaluated=evaluated)


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def health_report_write(*, document: dict[str, Any]) -> list[Path]:
    """Write health_<UTC ts>.json/.html and latest.json/.html into REPORTS_DIR/health/."""
    folder = Path(settings.REPORTS_DIR) / "health"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(document["generated_at"]).strftime("%Y%m%dT%H%M%SZ")
    json_text = json.dumps(document, indent=2, sort_keys=True)
    html_text = render_to_string("health/report.html", health_report_context(document))
    written = []
    for name, text in (
        (f"health_{stamp}.json", json_text),
        (f"health_{stamp}.html", html_text),
        ("latest.json", json_text),
        ("latest.html", html_text),
    ):
        _write_atomic(folder / name, text)
        written.append(folder / name)
    return written


def health_report_context(document: dict[str, Any]) -> dict[str, Any]:
    """Services in a list and action items urgent first, for the HTML report template."""
    services = [{"id": source, **body} for source, body in document["services"].items()]
    items = [
        {"source": service["id"], **recommendation}
        for service in services
        for recommendation in service["recommendations"]
    ]
    items.sort(key=lambda item: (not item["urgent"], item["source"]))
    return {"document": document, "services": services, "action_items": items}


def _anomaly_section(*, now: datetime) -> tuple[list[str], int]:
    """Digest lines for the unacknowledged anomaly alerts raised since the previous digest (the
    last 24 h before the first one), and how many there are."""
    since = previous_digest_at(before=now) or now - DIGEST_FALLBACK_WINDOW
    alerts = anomaly_alerts_unacknowledged_since(since=since, until=now)
    heading = (
        f"Anomalies since {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC: {len(alerts)} unacknowledged."
    )
    lines = [
        f"- {alert.severity} {alert.subject} ({alert.period}): {alert.message}" for alert in alerts
    ]
    return [heading, *lines], len(alerts)


def health_daily_summary_send(*, now: datetime | None = None) -> Notification | None:
    """One digest per day: run counts of the last 24 h, each source's status and login, and the
    anomaly alerts no one has acknowledged since the previous digest."""
    now = now or timezone.now()
    runs = TaskRun.objects.filter(finished_at__gte=now - timedelta(hours=24))
    succeeded = runs.filter(status=RunStatus.SUCCEEDED).count()
    failed = runs.filter(status=RunStatus.FAILED).count()
    evaluated = [item for item in health_evaluate(now=now) if item.score.score is not None]
    lines = [f"Runs in the last 24 h: {succeeded} succeeded, {failed} failed."]
    lines += [
        f"{item.score.source}: {item.score.status} {item.score.score}, "
        f"data {item.score.freshness_days if item.score.freshness_days is not None else '-'} "
        f"days old, login {item.score.credential.status}"
        for item in evaluated
    ]
    anomaly_lines, anomalies = _anomaly_section(now=now)
    lines += anomaly_lines
    return notification_send(
        event=NotificationEvent(
            type=NotificationType.DAILY_SUMMARY,
            severity=Severity.INFO,
            subject=f"Daily summary {now.date().isoformat()}",
            message="\n".join(lines),
            url=absolute_url("/health/"),
            details={"succeeded_24h": succeeded, "failed_24h": failed, "anomalies": anomalies},
        ),
        now=now,
    )

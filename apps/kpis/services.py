"""KPI writes: refreshing the stored alerts (SPEC 5.4) and acknowledging them.

`alerts_refresh` is idempotent: an alert is unique per (type, subject, period), so running it
again updates the same rows (a late statement may rise from warning to high) and never adds a
duplicate or clears an acknowledgement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.health.broadcast import broadcast_on_commit
from apps.kpis import calculations, selectors
from apps.kpis.filters import RevenueFilters
from apps.kpis.groups import kpi_alerts_group
from apps.kpis.models import Alert, AlertRule
from apps.sources.models import Credential

logger = logging.getLogger(__name__)

LABEL_SUBJECT = "label"
SUBJECT_MAX = Alert._meta.get_field("subject").max_length
MESSAGE_MAX = Alert._meta.get_field("message").max_length
ALERT_RULE_DEFAULTS = {
    AlertRule.Name.REVENUE_SWING_USD: Decimal("100"),
    AlertRule.Name.STREAMING_DROP_FRACTION: Decimal("0.20"),
    AlertRule.Name.LATE_STATEMENT_ESCALATION_DAYS: Decimal("30"),
    AlertRule.Name.CREDENTIAL_EXPIRY_DAYS: Decimal("3"),
    AlertRule.Name.ANOMALY_Z_SCORE: Decimal("3.5"),
    AlertRule.Name.ANOMALY_STREAMS_FLOOR: Decimal("50"),
    AlertRule.Name.ANOMALY_LISTENERS_FLOOR: Decimal("20"),
    AlertRule.Name.DATA_QUALITY_LOOKBACK_DAYS: Decimal("7"),
}


@dataclass(frozen=True)
class AlertFinding:
    type: str
    subject: str
    period: str
    severity: str
    message: str


def _thresholds() -> dict[str, Decimal | None]:
    """Each rule's threshold; None for a disabled rule; the default for a deleted row."""
    rules = {rule.name: rule for rule in AlertRule.objects.all()}
    thresholds: dict[str, Decimal | None] = {}
    for name, default in ALERT_RULE_DEFAULTS.items():
        rule = rules.get(name)
        thresholds[name] = default if rule is None else rule.threshold if rule.is_enabled else None
    return thresholds


def revenue_swing_finding(*, today: date, threshold: Decimal) -> AlertFinding | None:
    """The two most recent reported sale months differ by more than the threshold (USD)."""
    months = selectors.latest_reported_months(today=today, count=2)
    if len(months) < 2:
        return None
    (latest, latest_usd), (previous, previous_usd) = months
    change = latest_usd - previous_usd
    if abs(change) <= threshold:
        return None
    direction = "down" if change < 0 else "up"
    return AlertFinding(
        type=Alert.Type.REVENUE,
        subject=LABEL_SUBJECT,
        period=latest.strftime("%Y-%m"),
        severity=Alert.Severity.HIGH if change < 0 else Alert.Severity.INFO,
        message=(
            f"Revenue {direction} {calculations.money_str(abs(change))} USD: "
            f"{latest:%Y-%m} {calculations.money_str(latest_usd)} USD vs "
            f"{previous:%Y-%m} {calculations.money_str(previous_usd)} USD."
        ),
    )


def streaming_drop_finding(*, today: date, threshold: Decimal) -> AlertFinding | None:
    """The last complete ISO week's streams (by date, all distributors) are more than the
    threshold (a fraction) below the week before."""
    this_week = today - timedelta(days=today.weekday())
    week, before = this_week - timedelta(days=7), this_week - timedelta(days=14)

    def week_streams(monday: date) -> int:
        days = RevenueFilters(start_date=monday, end_date=monday + timedelta(days=6))
        return int(selectors.daily_streams(days).aggregate(total=Sum("streams"))["total"] or 0)

    streams, previous = week_streams(week), week_streams(before)
    if previous <= 0 or Decimal(previous - streams) / previous <= threshold:
        return None
    iso = week.isocalendar()
    return AlertFinding(
        type=Alert.Type.STREAMING,
        subject=LABEL_SUBJECT,
        period=f"{iso.year}-W{iso.week:02d}",
        severity=Alert.Severity.WARNING,
        message=(
            f"Streams in the week of {week.isoformat()} fell "
            f"{calculations.fraction(previous - streams, previous):.1%} "
            f"to {streams} from {previous} the week before."
        ),
    )


def late_statement_findings(*, today: date, escalation_days: Decimal) -> list[AlertFinding]:
    """One per (distributor, sale month) past its report-by date with platforms missing."""
    ledger = selectors.revenue_ledger_list(filters=RevenueFilters(), today=today)
    findings = []
    for row in ledger.results:
        if row.status != calculations.MonthStatus.LATE:
            continue
        is_high = today > row.report_by + timedelta(days=int(escalation_days))
        findings.append(
            AlertFinding(
                type=Alert.Type.LATE_STATEMENT,
                subject=row.distributor,
                period=row.sale_month.strftime("%Y-%m"),
                severity=Alert.Severity.HIGH if is_high else Alert.Severity.WARNING,
                message=(
                    f"{row.distributor} has not reported {row.sale_month:%Y-%m} for "
                    f"{', '.join(row.missing_platforms)} (due {row.report_by.isoformat()})."
                ),
            )
        )
    return findings


def credential_findings(*, now: datetime, expiry_days: Decimal) -> list[AlertFinding]:
    """One per login that needs reconnecting or has expired (high), or expires within
    `expiry_days` (warning). An expiry alert is keyed by the expiry date, so a renewed login
    that nears its next expiry raises a new one."""
    findings = []
    for credential in selectors.credentials_at_risk(
        now=now, within=timedelta(days=float(expiry_days))
    ):
        subject = f"{credential.source}/{credential.account or '-'} {credential.kind}"
        expires_at = credential.expires_at
        if credential.status == Credential.Status.NEEDS_RECONNECT:
            period, severity = "reconnect", Alert.Severity.HIGH
            message = f"The {subject} login needs reconnecting."
        elif expires_at is not None and expires_at > now:
            period, severity = expires_at.date().isoformat(), Alert.Severity.WARNING
            message = f"The {subject} login expires on {expires_at:%Y-%m-%d %H:%M} UTC."
        else:
            period = expires_at.date().isoformat() if expires_at else "expired"
            severity = Alert.Severity.HIGH
            message = f"The {subject} login has expired; reconnect it."
        findings.append(AlertFinding(Alert.Type.CREDENTIAL, subject, period, severity, message))
    return findings


def _series_anomalies(
    series: dict[str, list[tuple[date, int]]], *, label: str, z_score: Decimal, floor: Decimal
) -> list[AlertFinding]:
    """At most one alert per series and day: its latest point against the 28 before it. A
    drop is a warning (something may be broken), a spike is information."""
    findings = []
    for name, points in sorted(series.items()):
        anomaly = calculations.robust_anomaly(
            [float(value) for _day, value in points],
            z_threshold=float(z_score),
            floor=float(floor),
        )
        if anomaly is None:
            continue
        day = points[-1][0]
        direction = "drop" if anomaly.change < 0 else "spike"
        findings.append(
            AlertFinding(
                type=Alert.Type.ANOMALY,
                subject=f"{label} {name}",
                period=day.isoformat(),
                severity=Alert.Severity.WARNING if anomaly.change < 0 else Alert.Severity.INFO,
                message=(
                    f"{label.capitalize()} {direction} for {name} on {day.isoformat()}: "
                    f"{anomaly.latest:.0f} vs a median of {anomaly.median:.0f} "
                    f"over the previous {calculations.ANOMALY_BASELINE_POINTS} points."
                ),
            )
        )
    return findings


def anomaly_findings(
    *, z_score: Decimal, streams_floor: Decimal | None, listeners_floor: Decimal | None
) -> list[AlertFinding]:
    """SPEC 5.3.6 on daily streams per (distributor, platform) and S4A listeners per artist;
    a series whose floor rule is disabled is not watched."""
    findings = []
    if streams_floor is not None:
        findings += _series_anomalies(
            selectors.daily_stream_series(), label="streams", z_score=z_score, floor=streams_floor
        )
    if listeners_floor is not None:
        findings += _series_anomalies(
            selectors.listener_series(),
            label="listeners",
            z_score=z_score,
            floor=listeners_floor,
        )
    return findings


def data_quality_findings(*, now: datetime, lookback_days: Decimal) -> list[AlertFinding]:
    """One per file quarantined in the last `lookback_days` days. The message names the file
    as uploaded and the error code, never a stored path."""
    since = now - timedelta(days=float(lookback_days))
    return [
        AlertFinding(
            type=Alert.Type.DATA_QUALITY,
            subject=f"lake file {lake_file.pk}",
            period=lake_file.created_at.date().isoformat(),
            severity=Alert.Severity.WARNING,
            message=(
                f"{lake_file.original_name[:200]} ({lake_file.source or 'unknown source'}) was "
                f"quarantined: {lake_file.error_code or 'no error code'}."
            ),
        )
        for lake_file in selectors.quarantined_files(since=since)
    ]


def schema_drift_findings(*, now: datetime, lookback_days: Decimal) -> list[AlertFinding]:
    """One `info` alert per new header fingerprint with new columns seen in the last
    `lookback_days` days (SPEC 3.3): new columns are accepted and kept in staging extras. A
    missing or renamed required column quarantines the file, which has its own alert; other
    differences stay on the file's lineage."""
    since = now - timedelta(days=float(lookback_days))
    findings = []
    for lake_file in selectors.drifted_files(since=since):
        new_columns = lake_file.schema_drift.get("new_columns") or []
        if not new_columns:
            continue
        findings.append(
            AlertFinding(
                type=Alert.Type.DATA_QUALITY,
                subject=f"schema_changed {lake_file.source}/{lake_file.kind or '-'}",
                period=lake_file.header_fingerprint[:32],
                severity=Alert.Severity.INFO,
                message=(
                    f"{lake_file.original_name[:120]} ({lake_file.source}/{lake_file.kind}): "
                    f"new columns {', '.join(map(str, new_columns))[:300]}"
                ),
            )
        )
    return findings


def alert_findings(*, today: date, now: datetime | None = None) -> list[AlertFinding]:
    """Every alert the data calls for today (SPEC 5.4), each rule read from its AlertRule."""
    now = now or timezone.now()
    thresholds = _thresholds()
    findings: list[AlertFinding | None] = []
    swing = thresholds[AlertRule.Name.REVENUE_SWING_USD]
    if swing is not None:
        findings.append(revenue_swing_finding(today=today, threshold=swing))
    drop = thresholds[AlertRule.Name.STREAMING_DROP_FRACTION]
    if drop is not None:
        findings.append(streaming_drop_finding(today=today, threshold=drop))
    escalation = thresholds[AlertRule.Name.LATE_STATEMENT_ESCALATION_DAYS]
    if escalation is not None:
        findings.extend(late_statement_findings(today=today, escalation_days=escalation))
    expiry = thresholds[AlertRule.Name.CREDENTIAL_EXPIRY_DAYS]
    if expiry is not None:
        findings.extend(credential_findings(now=now, expiry_days=expiry))
    z_score = thresholds[AlertRule.Name.ANOMALY_Z_SCORE]
    if z_score is not None:
        findings.extend(
            anomaly_findings(
                z_score=z_score,
                streams_floor=thresholds[AlertRule.Name.ANOMALY_STREAMS_FLOOR],
                listeners_floor=thresholds[AlertRule.Name.ANOMALY_LISTENERS_FLOOR],
            )
        )
    lookback = thresholds[AlertRule.Name.DATA_QUALITY_LOOKBACK_DAYS]
    if lookback is not None:
        findings.extend(data_quality_findings(now=now, lookback_days=lookback))
        findings.extend(schema_drift_findings(now=now, lookback_days=lookback))
    return [finding for finding in findings if finding is not None]


def alerts_refresh(*, today: date | None = None) -> list[Alert]:
    """Store the alerts the data calls for: new ones are created, existing ones get their
    current severity and message; acknowledgements stay. Returns the alerts created."""
    now = timezone.now()
    today = today or now.date()
    created: list[Alert] = []
    with transaction.atomic():
        findings = alert_findings(today=today, now=now)
        before = {
            (alert.type, alert.subject, alert.period): alert.severity
            for alert in Alert.objects.only("type", "subject", "period", "severity")
        }
        for finding in findings:
            alert, is_new = Alert.objects.update_or_create(
                type=finding.type,
                # Names come from the data (artist names, account slugs): cut to the columns.
                subject=finding.subject[:SUBJECT_MAX],
                period=finding.period,
                defaults={"severity": finding.severity, "message": finding.message[:MESSAGE_MAX]},
            )
            if is_new:
                created.append(alert)
        escalated = sum(
            1
            for finding in findings
            if before.get((finding.type, finding.subject[:SUBJECT_MAX], finding.period))
            not in (None, finding.severity)
        )
        if created or escalated:
            # Open pages refresh their alert lists and the open-alert count (SPEC 5.7).
            broadcast_on_commit(
                kpi_alerts_group(),
                {"type": "alerts.changed", "created": len(created), "changed": escalated},
            )
    logger.info("kpi_alerts_refreshed created=%s changed=%s", len(created), escalated)
    return created


def kpi_alert_acknowledge(*, alert_id: int, user: Any) -> Alert:
    """Mark an alert acknowledged by `user`; acknowledging twice keeps the first time."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert_id)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.acknowledged_by = user
            alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    return alert

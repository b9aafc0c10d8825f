"""KPI writes: refreshing the stored alerts (SPEC 5.4) and acknowledging them.

`alerts_refresh` is idempotent: an alert is unique per (type, subject, period), so running it
again updates the same rows (a late statement may rise from warning to high) and never adds a
duplicate or clears an acknowledgement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.kpis import calculations, selectors
from apps.kpis.filters import RevenueFilters
from apps.kpis.models import Alert, AlertRule

logger = logging.getLogger(__name__)

LABEL_SUBJECT = "label"
ALERT_RULE_DEFAULTS = {
    AlertRule.Name.REVENUE_SWING_USD: Decimal("100"),
    AlertRule.Name.STREAMING_DROP_FRACTION: Decimal("0.20"),
    AlertRule.Name.LATE_STATEMENT_ESCALATION_DAYS: Decimal("30"),
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


def alert_findings(*, today: date) -> list[AlertFinding]:
    """Every revenue, streaming and late-statement alert the data calls for today."""
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
    return [finding for finding in findings if finding is not None]


def alerts_refresh(*, today: date | None = None) -> list[Alert]:
    """Store the alerts the data calls for: new ones are created, existing ones get their
    current severity and message; acknowledgements stay. Returns the alerts created."""
    today = today or timezone.now().date()
    created: list[Alert] = []
    with transaction.atomic():
        for finding in alert_findings(today=today):
            alert, is_new = Alert.objects.update_or_create(
                type=finding.type,
                subject=finding.subject,
                period=finding.period,
                defaults={"severity": finding.severity, "message": finding.message},
            )
            if is_new:
                created.append(alert)
    logger.info("kpi_alerts_refreshed created=%s", len(created))
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

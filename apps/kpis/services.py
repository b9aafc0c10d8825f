"""KPI writes: refreshing the stored alerts (SPEC 5.4) and acknowledging them.

`alerts_refresh` is idempotent: an alert is unique per (type, subject, period), so running it
again updates the same rows (a late statement may rise from warning to high) and never adds a
duplicate or clears an acknowledgement.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.health.broadcast import broadcast_on_commit
from apps.kpis import calculations, selectors, series
from apps.kpis.filters import RevenueFilters
from apps.kpis.groups import kpi_alerts_group
from apps.kpis.models import Alert, AlertRule
from apps.sources.models import Credential

logger = logging.getLogger(__name__)

LABEL_SUBJECT = "label"
CROSS_SOURCE_SUBJECT = "cross-source Spotify"
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
    AlertRule.Name.ANOMALY_VIEWS_FLOOR: Decimal("20"),
    AlertRule.Name.ANOMALY_FOLLOWERS_FLOOR: Decimal("20"),
    AlertRule.Name.ANOMALY_CTR_FLOOR: Decimal("0.05"),
    AlertRule.Name.ANOMALY_CPM_FLOOR: Decimal("1"),
    AlertRule.Name.ANOMALY_REVENUE_PER_UNIT_FLOOR: Decimal("0.0005"),
    AlertRule.Name.CROSS_SOURCE_SPOTIFY_FRACTION: Decimal("0.10"),
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


@dataclass(frozen=True)
class WatchedSeries:
    """One family of series the spike/drop rule watches (SPEC 5.3.6).

    `label` starts the alert subject ("TikTok views zonea0"); `floor` names the AlertRule with
    the smallest change worth an alert; `places` is how many decimals the message shows;
    `rising_is_bad` marks series where a spike (not a drop) is the warning, such as a CPM.
    """

    label: str
    floor: AlertRule.Name
    read: Callable[[date], series.Series]
    places: int = 0
    rising_is_bad: bool = False
    period_format: str = "%Y-%m-%d"  # a monthly series names its month


WATCHED_SERIES = (
    WatchedSeries(
        "streams", AlertRule.Name.ANOMALY_STREAMS_FLOOR, lambda _: selectors.daily_stream_series()
    ),
    WatchedSeries(
        "listeners", AlertRule.Name.ANOMALY_LISTENERS_FLOOR, lambda _: selectors.listener_series()
    ),
    WatchedSeries(
        "S4A followers",
        AlertRule.Name.ANOMALY_FOLLOWERS_FLOOR,
        lambda _: series.spotify_follower_series(),
    ),
    WatchedSeries(
        "TikTok views", AlertRule.Name.ANOMALY_VIEWS_FLOOR, lambda _: series.tiktok_view_series()
    ),
    WatchedSeries(
        "followers",
        AlertRule.Name.ANOMALY_FOLLOWERS_FLOOR,
        lambda _: series.social_follower_series(),
    ),
    WatchedSeries(
        "Linktree views",
        AlertRule.Name.ANOMALY_VIEWS_FLOOR,
        lambda _: series.linktree_view_series(),
    ),
    WatchedSeries(
        "Linktree CTR",
        AlertRule.Name.ANOMALY_CTR_FLOOR,
        lambda _: series.linktree_ctr_series(),
        places=4,
    ),
    WatchedSeries(
        "Meta CPM",
        AlertRule.Name.ANOMALY_CPM_FLOOR,
        lambda _: series.meta_cpm_series(),
        places=2,
        rising_is_bad=True,
    ),
    WatchedSeries(
        "revenue per unit",
        AlertRule.Name.ANOMALY_REVENUE_PER_UNIT_FLOOR,
        lambda today: series.revenue_per_unit_series(today=today),
        places=6,
        period_format="%Y-%m",
    ),
)


def _series_anomalies(
    watched: WatchedSeries, points_by_name: series.Series, *, z_score: Decimal, floor: Decimal
) -> list[AlertFinding]:
    """At most one alert per series and day: its latest point against the 28 before it. The
    harmful direction (a drop, or a rising cost) is a warning; the other is information."""
    findings = []
    for name, points in sorted(points_by_name.items()):
        anomaly = calculations.robust_anomaly(
            [float(value) for _day, value in points],
            z_threshold=float(z_score),
            floor=float(floor),
        )
        if anomaly is None:
            continue
        period = points[-1][0].strftime(watched.period_format)
        is_rise = anomaly.change > 0
        places = watched.places
        label = watched.label[:1].upper() + watched.label[1:]  # "TikTok" keeps its capitals
        findings.append(
            AlertFinding(
                type=Alert.Type.ANOMALY,
                subject=f"{watched.label} {name}",
                period=period,
                severity=Alert.Severity.WARNING
                if is_rise == watched.rising_is_bad
                else Alert.Severity.INFO,
                message=(
                    f"{label} {'spike' if is_rise else 'drop'} for {name} on {period}: "
                    f"{anomaly.latest:.{places}f} vs a median of {anomaly.median:.{places}f} "
                    f"over the previous {calculations.ANOMALY_BASELINE_POINTS} points."
                ),
            )
        )
    return findings


def anomaly_findings(
    *, today: date, z_score: Decimal, floors: Mapping[str, Decimal | None]
) -> list[AlertFinding]:
    """SPEC 5.3.6 on every watched series; a series whose floor rule is disabled is not read."""
    findings = []
    for watched in WATCHED_SERIES:
        floor = floors.get(watched.floor)
        if floor is None:
            continue
        findings += _series_anomalies(watched, watched.read(today), z_score=z_score, floor=floor)
    return findings


def cross_source_findings(*, threshold: Decimal) -> list[AlertFinding]:
    """One data-quality alert per day of the last 28 whose distributor and S4A Spotify streams
    differ by more than the threshold (a fraction of the larger figure, SPEC 4.5/5.4)."""
    return [
        AlertFinding(
            type=Alert.Type.DATA_QUALITY,
            subject=CROSS_SOURCE_SUBJECT,
            period=day.date.isoformat(),
            severity=Alert.Severity.WARNING,
            message=(
                f"Spotify streams on {day.date.isoformat()}: distributors {day.distributor_streams}"
                f" vs Spotify for Artists {day.s4a_streams}, {day.gap:.1%} apart."
            ),
        )
        for day in series.cross_source_spotify_days()
        if day.gap is not None and day.gap > threshold
    ]


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


def _columns_key(columns: list[str]) -> str:
    """One key per set of new columns: the same unknown columns in an English and a French
    export (different headers) are one change, hence one alert."""
    names = sorted({str(column).strip().casefold() for column in columns})
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()[:32]


def schema_drift_findings(*, now: datetime, lookback_days: Decimal) -> list[AlertFinding]:
    """One `info` alert per set of new columns (per source and kind) seen in the last
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
                period=_columns_key(new_columns),
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
        findings.extend(anomaly_findings(today=today, z_score=z_score, floors=thresholds))
    cross_source = thresholds[AlertRule.Name.CROSS_SOURCE_SPOTIFY_FRACTION]
    if cross_source is not None:
        findings.extend(cross_source_findings(threshold=cross_source))
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

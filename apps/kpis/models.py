"""Editable KPI data (SPEC 5.4): goals, alert thresholds, KPI settings, and the stored alerts.

Targets, thresholds and windows are rows staff change in the admin, never constants in code.
A change to any of them bumps a cache version (see `kpi_settings_version`), so cached KPIs that
read them are recomputed on the next request.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

SETTINGS_VERSION_CACHE_KEY = "kpis:settings_version"
ALERTS_VERSION_CACHE_KEY = "kpis:alerts_version"


class Goal(models.Model):
    """A KPI target; how `current` is measured is fixed per goal name (SPEC 5.4)."""

    class Name(models.TextChoices):
        MONTHLY_REVENUE = "monthly_revenue", "Monthly revenue (USD, latest reported month)"
        MONTHLY_STREAMS = "monthly_streams", "Monthly streams (month to date, pace-adjusted)"
        SPOTIFY_FOLLOWERS = "spotify_followers", "Spotify followers (sum of latest per artist)"

    name = models.CharField(max_length=64, unique=True, choices=Name.choices)
    target = models.DecimalField(max_digits=20, decimal_places=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} = {self.target}"


class AlertRule(models.Model):
    """A threshold of one alert rule (SPEC 5.4); the unit is part of the name."""

    class Name(models.TextChoices):
        REVENUE_SWING_USD = "revenue_swing_usd", "Revenue swing between reported months (USD)"
        STREAMING_DROP_FRACTION = (
            "streaming_drop_fraction",
            "Weekly streams drop that raises an alert (fraction, 0.20 = 20 %)",
        )
        LATE_STATEMENT_ESCALATION_DAYS = (
            "late_statement_escalation_days",
            "Days after the report-by date when a late statement becomes high",
        )
        CREDENTIAL_EXPIRY_DAYS = (
            "credential_expiry_days",
            "Days before a login expires when it raises an alert",
        )
        ANOMALY_Z_SCORE = "anomaly_z_score", "Robust z-score that marks a spike or drop"
        ANOMALY_STREAMS_FLOOR = (
            "anomaly_streams_floor",
            "Smallest change of daily streams (per distributor and platform) worth an alert",
        )
        ANOMALY_LISTENERS_FLOOR = (
            "anomaly_listeners_floor",
            "Smallest change of S4A listeners (per artist) worth an alert",
        )
        DATA_QUALITY_LOOKBACK_DAYS = (
            "data_quality_lookback_days",
            "Days a quarantined file keeps raising a data-quality alert",
        )
        ANOMALY_VIEWS_FLOOR = (
            "anomaly_views_floor",
            "Smallest change of daily views (TikTok per account, Linktree) worth an alert",
        )
        ANOMALY_FOLLOWERS_FLOOR = (
            "anomaly_followers_floor",
            "Smallest change of followers (TikTok, Instagram, S4A) worth an alert",
        )
        ANOMALY_CTR_FLOOR = (
            "anomaly_ctr_floor",
            "Smallest change of the Linktree click-through rate (fraction) worth an alert",
        )
        ANOMALY_CPM_FLOOR = (
            "anomaly_cpm_floor",
            "Smallest change of a Meta campaign's daily CPM (USD) worth an alert",
        )
        ANOMALY_REVENUE_PER_UNIT_FLOOR = (
            "anomaly_revenue_per_unit_floor",
            "Smallest change of a platform's revenue per unit (USD, reported months) worth an "
            "alert",
        )
        CROSS_SOURCE_SPOTIFY_FRACTION = (
            "cross_source_spotify_fraction",
            "Daily gap between distributor and S4A Spotify streams that raises a data-quality "
            "alert (fraction, 0.10 = 10 %)",
        )

    name = models.CharField(max_length=64, unique=True, choices=Name.choices)
    threshold = models.DecimalField(max_digits=20, decimal_places=6)
    is_enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} = {self.threshold}"


class KpiSetting(models.Model):
    """An editable KPI parameter in whole units named by the setting (days)."""

    class Name(models.TextChoices):
        ATTRIBUTION_WINDOW_DAYS = "attribution_window_days", "ROAS attribution window (days)"
        REPORT_GRACE_DAYS = "report_grace_days", "Grace after the usual statement delay (days)"

    name = models.CharField(max_length=64, unique=True, choices=Name.choices)
    value = models.IntegerField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class Alert(models.Model):
    """One alert, unique per (type, subject, period) so refreshing never duplicates it."""

    class Type(models.TextChoices):
        REVENUE = "revenue"
        STREAMING = "streaming"
        LATE_STATEMENT = "late_statement"
        CREDENTIAL = "credential"
        ANOMALY = "anomaly"
        PIPELINE = "pipeline"
        DATA_QUALITY = "data_quality"

    class Severity(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        HIGH = "high"

    type = models.CharField(max_length=32, choices=Type.choices)
    subject = models.CharField(max_length=200, help_text="What the alert is about (label, source)")
    period = models.CharField(max_length=32, help_text="The period judged (2025-02, 2025-W27)")
    severity = models.CharField(max_length=16, choices=Severity.choices)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["type", "subject", "period"], name="kpi_alert_natural_key"
            )
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} {self.period}: {self.severity}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def kpi_settings_version() -> int:
    """A counter bumped whenever a goal, threshold or setting changes (part of KPI cache keys)."""
    return version_counter(cache.get(SETTINGS_VERSION_CACHE_KEY))


def version_counter(value: Any) -> int:
    """A version counter as read from the cache (absent: 0)."""
    return int(value or 0)


def _version_bump(key: str) -> None:
    cache.set(key, version_counter(cache.get(key)) + 1, None)


@receiver(post_save, sender=Goal)
@receiver(post_save, sender=AlertRule)
@receiver(post_save, sender=KpiSetting)
@receiver(post_delete, sender=Goal)
@receiver(post_delete, sender=AlertRule)
@receiver(post_delete, sender=KpiSetting)
def _bump_settings_version(**kwargs: Any) -> None:
    # Cache invalidation only: cached KPIs that read these rows become unreachable.
    _version_bump(SETTINGS_VERSION_CACHE_KEY)


@receiver(post_save, sender=Alert)
@receiver(post_delete, sender=Alert)
def _bump_alerts_version(**kwargs: Any) -> None:
    # The alerts' version is part of the rendered answers' keys (the alert list is an answer,
    # but no selector reads alerts, so their cache stays). Bumped at once, and again after the
    # commit: a request between the two would keep the list as it was before the commit under
    # the first new version.
    _version_bump(ALERTS_VERSION_CACHE_KEY)
    transaction.on_commit(partial(_version_bump, ALERTS_VERSION_CACHE_KEY))

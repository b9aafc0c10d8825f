"""Channels group names owned by the KPI app: downstream consumers subscribe to them."""

from __future__ import annotations


def kpi_alerts_group() -> str:
    """Announced when an alert refresh created an alert or changed one's severity."""
    return "kpis.alerts"

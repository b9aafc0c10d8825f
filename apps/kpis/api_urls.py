"""KPI and revenue endpoints, mounted at /api/ (CONTRACT section 3)."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.kpis.api import (
    KpiSummaryGetApi,
    RevenueArtistListApi,
    RevenueDelaysGetApi,
    RevenueMonthlyListApi,
    RevenuePlatformListApi,
)

app_name = "kpis_api"

urlpatterns: list[URLPattern] = [
    path("kpis/summary", KpiSummaryGetApi.as_view(), name="kpi-summary"),
    path("revenue/platform", RevenuePlatformListApi.as_view(), name="revenue-platform"),
    path("revenue/artist", RevenueArtistListApi.as_view(), name="revenue-artist"),
    path("revenue/monthly", RevenueMonthlyListApi.as_view(), name="revenue-monthly"),
    path("revenue/delays", RevenueDelaysGetApi.as_view(), name="revenue-delays"),
]

"""Dashboard pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.kpis import views

app_name = "kpis"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard_page, name="dashboard"),
    path("revenue/", views.revenue_page, name="revenue"),
    path("streaming/", views.streaming_page, name="streaming"),
    path("marketing/", views.marketing_page, name="marketing"),
    path("audience/", views.audience_page, name="audience"),
    path("payments/", views.payments_page, name="payments"),
    path("alerts/", views.alerts_page, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
]

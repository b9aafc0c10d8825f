"""Dashboard pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.kpis.views import dashboard_page

app_name = "kpis"

urlpatterns: list[URLPattern] = [
    path("", dashboard_page, name="dashboard"),
]

"""Health endpoints, mounted at /api/health/."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.health.api import HealthCredentialListApi, HealthListApi, HealthRunListApi

app_name = "health_api"

urlpatterns: list[URLPattern] = [
    path("", HealthListApi.as_view(), name="health"),
    path("runs", HealthRunListApi.as_view(), name="health-runs"),
    path("credentials", HealthCredentialListApi.as_view(), name="health-credentials"),
]

"""The health page and its ops console, mounted at /health/."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.health import views

app_name = "health"

urlpatterns: list[URLPattern] = [
    path("", views.health_page, name="page"),
    path("ops/runs/<int:run_id>/retry/", views.health_run_retry, name="run-retry"),
    path("ops/pause/", views.health_source_pause, name="source-pause"),
    path("ops/resume/", views.health_source_resume, name="source-resume"),
]

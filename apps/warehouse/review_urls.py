"""Warehouse review pages, mounted at /warehouse/ (staff only, like every page)."""

from __future__ import annotations

from django.urls import path

from apps.warehouse import views

app_name = "review"

urlpatterns = [
    path("review/", views.review_page, name="queue"),
    path("review/resolve/", views.review_resolve, name="resolve"),
    path("validation/", views.validation_page, name="validation"),
]

"""Warehouse pages, mounted at /lake/."""

from __future__ import annotations

from django.urls import path

from apps.warehouse import views

app_name = "warehouse"

urlpatterns = [path("upload/", views.upload_page, name="upload")]

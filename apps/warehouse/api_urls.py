"""API routes owned by the warehouse, mounted under /api/lake/ (the upload runs the ingest flow)."""

from __future__ import annotations

from django.urls import path

from apps.warehouse.api import LakeFileUploadApi

urlpatterns = [path("upload", LakeFileUploadApi.as_view(), name="lake-upload")]

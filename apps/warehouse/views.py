"""Warehouse pages: the upload page, where staff drop statements and exports into the lake."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from apps.sources.connectors.registry import SOURCE_IDS


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def upload_page(request: HtmxHttpRequest) -> HttpResponse:
    """Drag-and-drop upload: the browser posts each file to /api/lake/upload, shows the outcome."""
    template = "warehouse/partials/upload_form.html" if request.htmx else "warehouse/upload.html"
    context = {"source_ids": SOURCE_IDS, "upload_max_bytes": settings.UPLOAD_MAX_BYTES}
    return render(request, template, context)

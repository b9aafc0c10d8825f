"""Warehouse pages: the upload page, the review queue and the validation report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from apps.health.errors import BedrotError
from apps.sources.connectors.registry import SOURCE_IDS
from apps.warehouse.forms import RESOLUTION_FORMS
from apps.warehouse.models import Artist, Platform, Track, ValidationReport
from apps.warehouse.review import review_queue_get


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def upload_page(request: HtmxHttpRequest) -> HttpResponse:
    """Drag-and-drop upload: the browser posts each file to /api/lake/upload, shows the outcome."""
    template = "warehouse/partials/upload_form.html" if request.htmx else "warehouse/upload.html"
    context = {"source_ids": SOURCE_IDS, "upload_max_bytes": settings.UPLOAD_MAX_BYTES}
    return render(request, template, context)


def _review_context(errors: dict[str, Any] | None = None, kind: str = "") -> dict[str, Any]:
    return {
        "queue": review_queue_get(),
        "artists": Artist.objects.all(),
        "tracks": Track.objects.select_related("artist"),
        "platforms": Platform.objects.filter(is_reviewed=True),
        "errors": errors or {},
        "error_kind": kind,
    }


@require_GET
def review_page(request: HtmxHttpRequest) -> HttpResponse:
    """What the loaders could not resolve, grouped, with one-click resolutions (SPEC 4.4)."""
    template = "warehouse/partials/review_queue.html" if request.htmx else "warehouse/review.html"
    return render(request, template, _review_context())


@require_POST
def review_resolve(request: HtmxHttpRequest) -> HttpResponse:
    """Apply one resolution; bad input re-renders the page with field errors and a 400."""
    kind = request.POST.get("kind", "")
    form_class = RESOLUTION_FORMS.get(kind)
    if form_class is None:
        errors = {"kind": [f"Unknown kind; expected one of {', '.join(RESOLUTION_FORMS)}."]}
        return render(request, "warehouse/review.html", _review_context(errors, kind), status=400)
    form = form_class(request.POST)
    if not form.is_valid():
        errors = {name: list(messages_) for name, messages_ in form.errors.items()}
        return render(request, "warehouse/review.html", _review_context(errors, kind), status=400)
    try:
        correction = form.resolve(request.user)  # type: ignore[attr-defined]
    except BedrotError as error:
        errors = error.field_errors or {"__all__": [error.message]}
        return render(request, "warehouse/review.html", _review_context(errors, kind), status=400)
    messages.success(
        request,
        f"{correction.action}: {correction.old_value} -> {correction.new_value} "
        f"({correction.rows_affected} rows)",
    )
    return redirect("review:queue")


@require_GET
def validation_page(request: HtmxHttpRequest) -> HttpResponse:
    """The newest validation report and the ones before it."""
    reports = list(ValidationReport.objects.all()[:20])
    context = {"report": reports[0] if reports else None, "history": reports}
    return render(request, "warehouse/validation.html", context)

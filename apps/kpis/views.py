"""Dashboard pages: the whole page, or with htmx only the fragment asked for, or a table as CSV.

Every page is a `PageContext` subclass: the shared filter bar, the `as_of` footer, its fragments
and its tables. Each page reads the same selectors as the API (apps/kpis/selectors.py), so a
page and its endpoint always show the same numbers; views only arrange them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from apps.kpis.models import Alert
from apps.kpis.page_context import HtmxHttpRequest, PageContext
from apps.kpis.pages import (
    AlertsPage,
    AudiencePage,
    MarketingPage,
    OverviewPage,
    PaymentsPage,
    RevenuePage,
    StreamingPage,
)
from apps.kpis.services import kpi_alert_acknowledge
from apps.kpis.tables import csv_response

AS_OF_TEMPLATE = "kpis/partials/as_of.html"

__all__ = [
    "alert_acknowledge",
    "alerts_page",
    "audience_page",
    "dashboard_page",
    "marketing_page",
    "payments_page",
    "revenue_page",
    "streaming_page",
]


def _template(request: HtmxHttpRequest, page: PageContext) -> str:
    # A history restore (back button after a filter change) needs the whole page again.
    if not request.htmx or request.htmx.history_restore_request:
        return page.spec.template
    fragment = request.GET.get("fragment", "")
    if fragment in page.spec.table_fragments:
        return "kpis/partials/table_section.html"
    if fragment == "as_of":
        return AS_OF_TEMPLATE
    return page.spec.fragments.get(fragment, page.spec.body_template)


def _context(request: HtmxHttpRequest, page: PageContext) -> dict[str, Any]:
    context: dict[str, Any] = {"page": page}
    fragment = request.GET.get("fragment", "")
    if request.htmx and fragment in page.spec.table_fragments:
        context["table"] = page.tables[fragment]
    return context


def _export(request: HtmxHttpRequest, page: PageContext) -> HttpResponse:
    """`?format=csv&table=<name>`: the table with the same filters as the screen."""
    name = request.GET.get("table", "")
    if name not in page.spec.tables:
        raise Http404("Unknown table.")
    if not page.is_valid:
        # Same answer as the API for bad filters: 400 with the field errors.
        return JsonResponse(page.errors, status=400)
    table = page.tables[name]
    return csv_response(table, filename=page.export_filename(name))


def render_page(request: HtmxHttpRequest, page: PageContext) -> HttpResponse:
    """The page, one fragment of it (htmx), or one of its tables as CSV."""
    if request.GET.get("format") == "csv":
        return _export(request, page)
    response = render(request, _template(request, page), _context(request, page))
    patch_vary_headers(response, ["HX-Request"])
    if request.htmx and not request.GET.get("fragment"):
        # A filter change: share the URL without the empty fields the form also sent.
        response["HX-Push-Url"] = page.urls["page"]
    return response


@require_GET
def dashboard_page(request: HtmxHttpRequest) -> HttpResponse:
    """Overview: KPI cards with trends, monthly actual vs expected, streams, goals, alerts
    and the freshness strip."""
    return render_page(request, OverviewPage(request))


@require_GET
def revenue_page(request: HtmxHttpRequest) -> HttpResponse:
    """Revenue by platform, artist, track, distributor, territory and sale month."""
    return render_page(request, RevenuePage(request))


@require_GET
def streaming_page(request: HtmxHttpRequest) -> HttpResponse:
    """Daily streams by platform and distributor, growth, the realtime tiles and the
    cross-source Spotify check."""
    return render_page(request, StreamingPage(request))


@require_GET
def marketing_page(request: HtmxHttpRequest) -> HttpResponse:
    """Meta campaigns with their rates, and ROAS per artist."""
    return render_page(request, MarketingPage(request))


@require_GET
def audience_page(request: HtmxHttpRequest) -> HttpResponse:
    """Spotify per artist, TikTok per account with the lag view, Linktree, Instagram,
    YouTube and Mailchimp."""
    return render_page(request, AudiencePage(request))


@require_GET
def payments_page(request: HtmxHttpRequest) -> HttpResponse:
    """Payment status: the ledger, the delay histogram and per-platform medians."""
    return render_page(request, PaymentsPage(request))


@require_GET
def alerts_page(request: HtmxHttpRequest) -> HttpResponse:
    """Alerts, newest first, with an acknowledge button."""
    return render_page(request, AlertsPage(request))


@require_POST
def alert_acknowledge(request: HtmxHttpRequest, alert_id: int) -> HttpResponse:
    """Acknowledge one alert; htmx gets the updated row, a plain form post goes back."""
    if not Alert.objects.filter(pk=alert_id).exists():
        raise Http404("Unknown alert.")
    alert = kpi_alert_acknowledge(alert_id=alert_id, user=request.user)
    if request.htmx:
        return render(request, "kpis/partials/alert_row.html", {"alert": alert})
    return redirect(request.POST.get("next") or reverse("kpis:alerts"))

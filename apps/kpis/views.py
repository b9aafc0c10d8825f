"""Dashboard pages: the whole page, or with htmx only the fragment asked for."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from apps.kpis.calculations import MonthlyRevenueRow, money_str
from apps.kpis.filters import FILTER_FIELDS, RevenueFilters, RevenueFilterSerializer
from apps.kpis.selectors import (
    FilterOptions,
    KpiSummary,
    PlatformRevenue,
    WarehouseSnapshot,
    filter_options_get,
    kpi_summary_get,
    revenue_by_platform_list,
    revenue_monthly_list,
    statement_line_list,
    warehouse_snapshot_get,
)
from apps.warehouse.models import StatementLine

STATEMENT_LINES_PER_PAGE = 50
DASHBOARD_TEMPLATE = "kpis/dashboard.html"
# With htmx and no `fragment`, the filter bar and every fragment (what a filter change swaps).
DASHBOARD_BODY_TEMPLATE = "kpis/partials/dashboard_body.html"
DASHBOARD_FRAGMENTS = {
    "cards": "kpis/partials/revenue_cards.html",
    "platforms": "kpis/partials/revenue_platform_chart.html",
    "monthly": "kpis/partials/revenue_monthly_chart.html",
    "lines": "kpis/partials/statement_lines.html",
    "as_of": "kpis/partials/as_of.html",
}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class DashboardContext:
    """What the dashboard shows, read lazily: a fragment request runs only its own selectors."""

    def __init__(self, request: HtmxHttpRequest) -> None:
        self._request = request
        self._serializer = RevenueFilterSerializer(data=request.GET)
        self.is_valid = self._serializer.is_valid()

    @cached_property
    def filters(self) -> RevenueFilters | None:
        return self._serializer.filters() if self.is_valid else None

    @cached_property
    def errors(self) -> dict[str, list[str]]:
        return {
            field: [str(message) for message in messages]
            for field, messages in self._serializer.errors.items()
        }

    @cached_property
    def values(self) -> dict[str, str]:
        """The filter values as typed, to refill the filter bar and build fragment URLs."""
        return {field: self._request.GET.get(field, "").strip() for field in FILTER_FIELDS}

    @cached_property
    def query(self) -> str:
        return urlencode({field: value for field, value in self.values.items() if value})

    @cached_property
    def urls(self) -> dict[str, str]:
        """Each fragment's own URL with the current filters (for `hx-get` refreshes), plus
        `page_prefix`: the page URL with the filters, ready for `page=N`."""
        base = reverse("kpis:dashboard")
        suffix = f"&{self.query}" if self.query else ""
        urls = {
            name: f"{base}?{urlencode({'fragment': name})}{suffix}" for name in DASHBOARD_FRAGMENTS
        }
        urls["page"] = f"{base}?{self.query}" if self.query else base
        urls["page_prefix"] = f"{base}?{self.query}&" if self.query else f"{base}?"
        return urls

    @cached_property
    def snapshot(self) -> WarehouseSnapshot:
        return warehouse_snapshot_get()

    @cached_property
    def summary(self) -> KpiSummary | None:
        if self.filters is None:
            return None
        return kpi_summary_get(filters=self.filters, snapshot=self.snapshot)

    @cached_property
    def platforms(self) -> list[PlatformRevenue]:
        if self.filters is None:
            return []
        return revenue_by_platform_list(filters=self.filters, snapshot=self.snapshot).results

    @cached_property
    def platform_chart(self) -> dict[str, list[Any]]:
        return {
            "labels": [row.platform for row in self.platforms],
            "revenue": [money_str(row.revenue_usd) for row in self.platforms],
        }

    @cached_property
    def months(self) -> list[MonthlyRevenueRow]:
        if self.filters is None:
            return []
        today = timezone.now().date()
        return revenue_monthly_list(
            filters=self.filters, today=today, snapshot=self.snapshot
        ).results

    @cached_property
    def monthly_chart(self) -> dict[str, list[Any]]:
        return {
            "labels": [row.month.strftime("%Y-%m") for row in self.months],
            "revenue": [money_str(row.revenue_usd) for row in self.months],
            "expected": [money_str(row.expected_revenue_usd) for row in self.months],
            "status": [str(row.status) for row in self.months],
        }

    @cached_property
    def lines_page(self) -> Page[StatementLine] | None:
        if self.filters is None:
            return None
        paginator = Paginator(statement_line_list(filters=self.filters), STATEMENT_LINES_PER_PAGE)
        return paginator.get_page(self._request.GET.get("page"))

    @cached_property
    def options(self) -> FilterOptions:
        return filter_options_get()


def _dashboard_template(request: HtmxHttpRequest) -> str:
    # A history restore (back button after a filter change) needs the whole page again.
    if not request.htmx or request.htmx.history_restore_request:
        return DASHBOARD_TEMPLATE
    return DASHBOARD_FRAGMENTS.get(request.GET.get("fragment", ""), DASHBOARD_BODY_TEMPLATE)


@require_GET
def dashboard_page(request: HtmxHttpRequest) -> HttpResponse:
    """Revenue overview: KPI cards, platform and monthly charts, and the statement lines."""
    response = render(
        request, _dashboard_template(request), {"dashboard": DashboardContext(request)}
    )
    patch_vary_headers(response, ["HX-Request"])
    return response

"""What every dashboard page shares: the filter bar, fragment and export URLs, `as_of`, tables.

A page subclasses `PageContext`, names its fragments and tables in a `PageSpec`, and builds
each table in a `table_<name>` method from one selector call. Everything is read lazily, so an
htmx request for one fragment (or a CSV export of one table) runs only the selectors it needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_htmx.middleware import HtmxDetails
from rest_framework import serializers

from apps.kpis.filters import FILTER_FIELDS, RevenueFilters, RevenueFilterSerializer
from apps.kpis.selectors import (
    FilterOptions,
    WarehouseSnapshot,
    filter_options_get,
    warehouse_snapshot_get,
)
from apps.kpis.tables import Table, export_filename

INVALID_FILTERS_TEXT = "Correct the filters above to see the figures."


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True)
class PageSpec:
    """A page's name (its URL name and CSV prefix), title, templates, fragments and tables.

    `fragments` maps a fragment name to its template; `tables` maps each exportable table to
    the warehouse datasets it reads (the live refresh re-fetches it when one of them loads).
    Tables listed in `table_fragments` are fragments of their own, rendered by the generic
    table section.
    """

    name: str
    title: str
    body_template: str
    fragments: Mapping[str, str]
    tables: Mapping[str, str]
    table_fragments: frozenset[str] = frozenset()
    date_hint: str = "day"
    template: str = "kpis/page.html"
    filter_fields: tuple[str, ...] = ("start", "end", "artist", "platform", "distributor")


class LazyTables(Mapping[str, Table]):
    """`page.tables.<name>` in templates: built on first use, with its URLs attached."""

    def __init__(self, page: PageContext) -> None:
        self._page = page
        self._built: dict[str, Table] = {}

    def __getitem__(self, name: str) -> Table:
        if name not in self._page.spec.tables:
            raise KeyError(name)
        if name not in self._built:
            table: Table = getattr(self._page, f"table_{name}")()
            table.export_url = self._page.export_url(name)
            table.fragment_url = self._page.fragment_url(name)
            table.datasets = self._page.spec.tables[name]
            if not self._page.is_valid:
                table.rows, table.empty_text = [], INVALID_FILTERS_TEXT
            self._built[name] = table
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._page.spec.tables)

    def __len__(self) -> int:
        return len(self._page.spec.tables)


@dataclass(frozen=True)
class Card:
    """A KPI tile: a label, the figure as shown, and an optional trend vs the previous period."""

    label: str
    value: str
    trend: float | None = None
    has_trend: bool = False
    note: str = ""

    @property
    def trend_direction(self) -> str:
        if self.trend is None:
            return "none"
        return "up" if self.trend > 0 else "down" if self.trend < 0 else "flat"

    @property
    def trend_text(self) -> str:
        """Arrow and signed percent, so colour is never the only signal; "—" when unknown."""
        if self.trend is None:
            return "—"
        arrow = {"up": "▲", "down": "▼", "flat": "■"}[self.trend_direction]
        return f"{arrow} {self.trend * 100:+.1f} %"


class PageContext:
    """What one page shows, read lazily from the selectors."""

    spec: ClassVar[PageSpec]
    filter_serializer_class: ClassVar[type[serializers.Serializer[Any]]] = RevenueFilterSerializer

    def __init__(self, request: HtmxHttpRequest) -> None:
        self.request = request
        self._serializer = self.filter_serializer_class(data=request.GET)
        self.is_valid = self._serializer.is_valid()
        self.tables = LazyTables(self)

    # --- filters ------------------------------------------------------------------------------

    @cached_property
    def filters(self) -> RevenueFilters | None:
        return self._serializer.filters() if self.is_valid else None  # type: ignore[attr-defined]

    @cached_property
    def errors(self) -> dict[str, list[str]]:
        return {
            name: [str(message) for message in messages]
            for name, messages in self._serializer.errors.items()
        }

    @cached_property
    def values(self) -> dict[str, str]:
        """The filter values as typed, to refill the filter bar and build fragment URLs."""
        names = dict.fromkeys([*FILTER_FIELDS, *self.spec.filter_fields, *self.extra_params])
        return {name: self.request.GET.get(name, "").strip() for name in names}

    cards_datasets: ClassVar[str] = ""
    """The datasets the page's KPI cards read; empty means any load refreshes them."""

    extra_params: ClassVar[tuple[str, ...]] = ()
    """Page-specific query parameters kept in every URL (a window selector, say)."""

    @cached_property
    def hidden_params(self) -> list[tuple[str, str]]:
        """Page-specific parameters the filter bar carries along unchanged."""
        return [(name, self.values[name]) for name in self.extra_params if self.values[name]]

    @cached_property
    def query(self) -> str:
        return urlencode({name: value for name, value in self.values.items() if value})

    @cached_property
    def options(self) -> FilterOptions:
        return filter_options_get()

    @cached_property
    def today(self) -> Any:
        return timezone.now().date()

    # --- URLs ---------------------------------------------------------------------------------

    @cached_property
    def page_url(self) -> str:
        return reverse(f"kpis:{self.spec.name}")

    def _url(self, params: dict[str, str]) -> str:
        suffix = f"&{self.query}" if self.query else ""
        return f"{self.page_url}?{urlencode(params)}{suffix}"

    def fragment_url(self, name: str) -> str:
        return self._url({"fragment": name})

    def export_url(self, table: str) -> str:
        return self._url({"format": "csv", "table": table})

    def export_filename(self, table: str) -> str:
        return export_filename(
            [self.spec.name, table], self.values.get("start", ""), self.values.get("end", "")
        )

    @cached_property
    def urls(self) -> dict[str, str]:
        """Each fragment's own URL with the current filters (for `hx-get` refreshes), plus
        `page` (the page with the filters) and `page_prefix` (ready for `page=N`)."""
        urls = {name: self.fragment_url(name) for name in self.spec.fragments}
        urls["as_of"] = self.fragment_url("as_of")
        urls["page"] = f"{self.page_url}?{self.query}" if self.query else self.page_url
        urls["page_prefix"] = (
            f"{self.page_url}?{self.query}&" if self.query else f"{self.page_url}?"
        )
        return urls

    # --- shared data --------------------------------------------------------------------------

    @cached_property
    def snapshot(self) -> WarehouseSnapshot:
        return warehouse_snapshot_get()

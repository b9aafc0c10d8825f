"""Whole-answer cache for the KPI endpoints.

A KPI answer depends only on the warehouse version, the KPI settings version, the day and the
query string; the selectors already cache their results under the first three, but a large list
(five years of daily streams is 29,000 rows) then still spends most of a request in DRF's field
serializers. This caches the serialized answer itself under the same versions, so a repeat
request costs one cache read and the JSON rendering. Runs inside the view, after DRF has
authenticated the caller and checked permissions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.utils import timezone
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.kpis.models import kpi_settings_version
from apps.kpis.selectors import (
    KPI_CACHE_TIMEOUT_S,
    WarehouseSnapshot,
    pinned_snapshot,
    warehouse_snapshot_get,
)

# The same answer serves JSON and CSV: the renderer is chosen after the view returns.
_NOT_PART_OF_ANSWER = {"format"}

Handler = Callable[..., Response]


def _answer_key(view: Any, request: Request, snapshot: WarehouseSnapshot) -> str:
    query = sorted(
        (name, value)
        for name, values in request.query_params.lists()
        if name not in _NOT_PART_OF_ANSWER
        for value in values
    )
    return ":".join(
        [
            "kpis:answer",
            type(view).__name__,
            snapshot.version,
            str(kpi_settings_version()),
            timezone.now().date().isoformat(),
            urlencode(query),
        ]
    )


def answer_cached(get: Handler) -> Handler:
    """Decorate a KPI view's `get`: serve its serialized answer from the cache when the
    warehouse, the settings, the day and the query are the same; only 200 answers are kept."""

    @functools.wraps(get)
    def cached_get(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        snapshot = warehouse_snapshot_get()
        key = _answer_key(view, request, snapshot)
        data = cache.get(key)
        if data is not None:
            return Response(data)
        pinned = pinned_snapshot.set(snapshot)
        try:
            response = get(view, request, *args, **kwargs)
        finally:
            pinned_snapshot.reset(pinned)
        if response.status_code == status.HTTP_200_OK:
            cache.set(key, response.data, KPI_CACHE_TIMEOUT_S)
        return response

    return cached_get

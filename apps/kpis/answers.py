"""Whole-answer cache for the KPI endpoints: the rendered bytes, not the data.

A KPI answer depends only on the warehouse version, the KPI settings version, the stored alerts'
version, the day, the query string and the negotiated format. The selectors already cache their
results under the warehouse and settings versions and the day, but a large list (five years of
daily streams is 29,000 rows, 2.4 MB of JSON) then still spent most of a request in DRF's field
serializers and the JSON renderer. This caches the body exactly as DRF rendered it, with its
content type, under the same versions, so a repeat request costs one cache read and no rendering
at all. Runs inside the view, after DRF has authenticated the caller, checked permissions and
negotiated the renderer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.kpis.edge import ANSWER_HEADER, answer_versions_now
from apps.kpis.selectors import (
    WarehouseSnapshot,
    pinned_snapshot,
    single_flight,
    warehouse_snapshot_get,
)

# `format` only picks the renderer, and the negotiated media type is part of the key already.
_NOT_PART_OF_ANSWER = {"format"}

Handler = Callable[..., HttpResponse]

# How often a caller waiting for another's answer looks again: shorter than the selectors' step,
# since rendering an answer takes milliseconds where a KPI's queries take up to seconds.
ANSWER_WAIT_STEP_S = 0.02


def _answer_key(view: Any, request: Request, versions: str) -> str:
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
            versions,  # warehouse, settings, day
            # JSON and CSV differ, and so would a JSON `indent` the client asked for.
            quote(request.accepted_media_type, safe="/=;"),
            urlencode(query),
        ]
    )


def _rendered(view: Any, request: Request, response: Response) -> tuple[str, bytes]:
    """(content type, body) as DRF renders this response for this request (what
    `finalize_response` and `Response.rendered_content` would do after the view)."""
    response.accepted_renderer = request.accepted_renderer
    response.accepted_media_type = request.accepted_media_type
    response.renderer_context = view.get_renderer_context()
    response.render()
    return response["Content-Type"], bytes(response.content)


def _answer_response(content_type: str, body: bytes, versions: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    # For the edge in front of Django (apps/kpis/edge.py), which removes it: this answer may be
    # repeated to staff while these versions are current.
    response[ANSWER_HEADER.decode()] = versions
    return response


def answer_cached(get: Handler) -> Handler:
    """Decorate a KPI view's `get`: serve its rendered answer from the cache when the warehouse,
    the settings, the day, the query and the format are the same; only 200 answers are kept.

    Single flight, like the selectors' cache: after a load, 32 clients asking for the same
    answer cost one serialization and rendering (the selectors below already compute once, but
    every caller then serialized the same 29,000 rows itself); the others poll for the bytes.
    """

    @functools.wraps(get)
    def cached_get(view: Any, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        snapshot = warehouse_snapshot_get()
        versions = answer_versions_now(snapshot.version)
        answer = single_flight(
            _answer_key(view, request, versions),
            lambda: _answer_computed(get, view, request, snapshot, *args, **kwargs),
            wait_step_s=ANSWER_WAIT_STEP_S,
            keep=lambda result: isinstance(result, tuple),
        )
        return _answer_response(*answer, versions) if isinstance(answer, tuple) else answer

    return cached_get


def _answer_computed(
    get: Handler,
    view: Any,
    request: Request,
    snapshot: WarehouseSnapshot,
    *args: Any,
    **kwargs: Any,
) -> tuple[str, bytes] | HttpResponse:
    """The rendered answer (content type, body); an error response as it is, not to be kept."""
    pinned = pinned_snapshot.set(snapshot)
    try:
        response = get(view, request, *args, **kwargs)
    finally:
        pinned_snapshot.reset(pinned)
    if response.status_code != status.HTTP_200_OK or not isinstance(response, Response):
        return response
    return _rendered(view, request, response)

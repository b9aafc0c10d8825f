"""One DRF exception handler: domain errors become 400 with field errors, never a 500 page."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.health.errors import BedrotError


def bedrot_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BedrotError):
        body: dict[str, Any] = {"code": exc.code, "detail": exc.message}
        if exc.field_errors:
            body["errors"] = exc.field_errors
        return Response(body, status=400)
    return exception_handler(exc, context)

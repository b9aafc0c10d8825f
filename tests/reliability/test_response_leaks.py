"""SPEC 7 invariant: no response exposes a server path, a stack trace or a secret, even for
bad parameters, unknown ids or a missing page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from bedrot_site.tests.test_access import ROUTES

BASE_DIR = Path(__file__).resolve().parents[2]
BAD_QUERY = "?start=not-a-date&end=2026-13-45&format=zzz&page=-1&artist=%00&limit=abc"


def _leaks(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    markers = {
        "server path": str(BASE_DIR),
        "site-packages": "site-packages",
        "stack trace": "Traceback (most recent call last)",
        "secret key": settings.SECRET_KEY,
    }
    return [name for name, marker in markers.items() if marker and marker in text]


@pytest.mark.django_db
def test_no_response_exposes_a_path_a_trace_or_a_secret(alice_client: Client) -> None:
    requests = [path for route in ROUTES for path in (route, route + BAD_QUERY)]
    requests += ["/no-such-page/", "/api/no-such-endpoint"]

    leaking: dict[str, Any] = {}
    server_errors = []
    for path in requests:
        response = alice_client.get(path)
        if response.status_code >= 500:
            server_errors.append(path)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if found := _leaks(content):
            leaking[path] = found

    assert len(requests) == 2 * len(ROUTES) + 2
    assert (server_errors, leaking) == ([], {})

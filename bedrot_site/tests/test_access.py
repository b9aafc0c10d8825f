"""Every route refuses anonymous and non-staff users, and none answers staff with a 5xx (R2)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Routes with their own public behaviour: the login form and logging out.
PUBLIC_ROUTES = {"login/", "logout/", "favicon.ico"}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _sample_path(route: str) -> str:
    """A concrete path for a route: regex anchors dropped, every parameter set to 1."""
    path = route.replace("^", "").replace("$", "").replace("/?", "")
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    path = re.sub(r"<[^>]+>", "1", path)
    return "/" + path


ROUTES = sorted(
    _sample_path(route)
    for route in _walk(get_resolver().url_patterns)
    if route not in PUBLIC_ROUTES and not route.startswith("admin/")
)
API_ROUTES = [path for path in ROUTES if path.startswith("/api/")]
PAGE_ROUTES = [path for path in ROUTES if not path.startswith("/api/")]


def test_route_walk_finds_the_api_and_the_pages() -> None:
    assert {"/api/kpis/summary", "/api/lake/files", "/api/schema/", "/api/docs/"} <= set(API_ROUTES)
    assert {"/", "/lake/upload/"} <= set(PAGE_ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_ROUTES)
def test_api_route_refuses_anonymous_with_401(client: Any, path: str) -> None:
    assert client.get(path).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_ROUTES)
def test_api_route_refuses_non_staff_with_403(bob_client: Any, path: str) -> None:
    assert bob_client.get(path).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGE_ROUTES)
def test_page_route_sends_anonymous_to_login(client: Any, path: str) -> None:
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGE_ROUTES)
def test_page_route_refuses_non_staff_with_403(bob_client: Any, path: str) -> None:
    assert bob_client.get(path).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("path", ROUTES)
def test_route_never_answers_staff_with_a_server_error(alice_client: Any, path: str) -> None:
    assert alice_client.get(path).status_code < 500

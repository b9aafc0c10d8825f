"""R5: every unsafe request made with a session cookie needs a CSRF token and a same-site Origin."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve

from bedrot_site.tests.test_access import _sample_path, _walk

UNSAFE_METHODS = ("post", "put", "patch", "delete")
FOREIGN_ORIGIN = "https://evil.example.com"


def _resolvable(path: str) -> bool:
    # Admin routes built from a regex of app labels do not accept the sample parameter "1".
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


# Every route, the login form, logout and the admin included: any of them may change state.
ROUTES = sorted(
    {
        path
        for path in (_sample_path(route) for route in _walk(get_resolver().url_patterns))
        if _resolvable(path)
    }
)


def _refused_for_csrf(response: Any) -> bool:
    # Django's middleware and DRF's SessionAuthentication both answer 403 naming CSRF; an HTML
    # API view (the Swagger page) renders only "403 Forbidden", so its DRF detail is read too.
    detail = str(getattr(response, "data", None) or "")
    return response.status_code == 403 and (b"CSRF" in response.content or "CSRF" in detail)


def _staff_client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _with_token(client: Client) -> dict[str, str]:
    """A valid token pair: the cookie and the header an HTMX or fetch call sends."""
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return {"HTTP_X_CSRFTOKEN": token}


def test_route_list_covers_the_forms_the_api_and_the_admin() -> None:
    assert {"/login/", "/logout/", "/api/lake/files", "/lake/upload/", "/admin/"} <= set(ROUTES)
    assert len(ROUTES) >= 60


@pytest.mark.django_db
def test_every_unsafe_request_without_a_csrf_token_is_refused(alice: Any) -> None:
    client = _staff_client(alice)
    attempts = [(method, path) for path in ROUTES for method in UNSAFE_METHODS]

    accepted = [
        (method, path)
        for method, path in attempts
        if not _refused_for_csrf(getattr(client, method)(path))
    ]

    assert len(attempts) == len(ROUTES) * 4
    assert accepted == []


@pytest.mark.django_db
def test_every_unsafe_request_from_a_foreign_origin_is_refused_despite_a_token(
    alice: Any,
) -> None:
    client = _staff_client(alice)
    headers = _with_token(client)
    attempts = [(method, path) for path in ROUTES for method in UNSAFE_METHODS]

    accepted = [
        (method, path)
        for method, path in attempts
        if not _refused_for_csrf(
            getattr(client, method)(path, HTTP_ORIGIN=FOREIGN_ORIGIN, **headers)
        )
    ]

    assert accepted == []


@pytest.mark.django_db
def test_same_origin_request_with_a_token_passes_the_csrf_check(alice: Any) -> None:
    # the control: the refusals above come from the missing token or origin, nothing else
    client = _staff_client(alice)
    headers = _with_token(client)

    response = client.post("/logout/", HTTP_ORIGIN="http://testserver", **headers)

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_same_origin_api_call_with_a_token_reaches_the_view(alice: Any) -> None:
    # the API control: with the token, the GET-only docs view answers 405, not a CSRF 403
    client = _staff_client(alice)
    headers = _with_token(client)

    response = client.post("/api/docs/", HTTP_ORIGIN="http://testserver", **headers)

    assert response.status_code == 405

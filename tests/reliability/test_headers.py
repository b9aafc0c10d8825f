"""R7: with the production security settings, every HTML page carries an enforced CSP with no
external source and the framing, sniffing, HSTS, referrer and opener headers; cookies are
Secure, HttpOnly and SameSite."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from bedrot_site.tests.test_access import PAGE_ROUTES

BASE_DIR = Path(__file__).resolve().parents[2]
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
]
# CSP source expressions that stay on this origin; anything else (a host, a scheme such as
# https:, a wildcard) would be an external source.
LOCAL_SOURCES = {"'self'", "'none'", "data:", "'unsafe-inline'"}
HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.fixture(scope="module")
def production_security() -> dict[str, Any]:
    """The security settings exactly as production computes them, read in a clean process."""
    code = (
        "import json, bedrot_site.settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SECURITY_SETTINGS!r}}}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "BEDROT_ENV": "production",
        "DJANGO_ALLOWED_HOSTS": "bedrot.example.com",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production_client(settings: Any, production_security: dict[str, Any], alice: Any) -> Client:
    for name, value in production_security.items():
        setattr(settings, name, value)
    client = Client()
    client.force_login(alice)
    return client


def _external_csp_sources(policy: str) -> list[str]:
    external = []
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        for source in directive.split()[1:]:
            if source not in LOCAL_SOURCES and not source.startswith("'nonce-"):
                external.append(source)
    return external


def _header_faults(response: Any) -> list[str]:
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Strict-Transport-Security": HSTS,
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    faults = [name for name, value in expected.items() if response.get(name) != value]
    policy = response.get("Content-Security-Policy")
    if not policy or "Content-Security-Policy-Report-Only" in response:
        faults.append("Content-Security-Policy")
    else:
        faults.extend(f"csp:{source}" for source in _external_csp_sources(policy))
    return faults


def test_production_settings_turn_on_https_cookies_and_headers(
    production_security: dict[str, Any],
) -> None:
    assert production_security["SECURE_SSL_REDIRECT"] is True
    assert production_security["SECURE_HSTS_SECONDS"] == 31_536_000
    assert [
        production_security[name]
        for name in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE")
    ] == [True, True, True]
    assert production_security["CSRF_COOKIE_HTTPONLY"] is True
    assert (
        production_security["SESSION_COOKIE_SAMESITE"],
        production_security["CSRF_COOKIE_SAMESITE"],
    ) == ("Lax", "Lax")


@pytest.mark.django_db
def test_every_html_page_sends_the_security_headers(production_client: Client) -> None:
    pages = [*PAGE_ROUTES, "/login/", "/admin/", "/api/docs/"]
    html = {}
    for path in pages:
        response = production_client.get(path, secure=True)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            html[path] = _header_faults(response)

    faulty = {path: faults for path, faults in html.items() if faults}
    # the walk reaches the dashboards, the lake, health and sources pages, admin and docs
    assert len(html) >= 15
    assert {"/", "/lake/upload/", "/admin/", "/api/docs/"} <= set(html)
    assert faulty == {}


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production_client: Client) -> None:
    response = production_client.get("/", secure=False)
    assert (response.status_code, response["Location"]) == (301, "https://testserver/")


@pytest.mark.django_db
def test_login_sets_secure_httponly_samesite_cookies(
    settings: Any, production_security: dict[str, Any], alice: Any
) -> None:
    for name, value in production_security.items():
        setattr(settings, name, value)
    client = Client()

    client.get("/login/", secure=True)
    response = client.post(
        "/login/",
        {
            "username": "alice",
            "password": "alice-pass",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
        secure=True,
    )

    assert response.status_code == 302
    cookies = {name: client.cookies[name] for name in ("sessionid", "csrftoken")}
    flags = {
        name: (bool(c["secure"]), bool(c["httponly"]), c["samesite"]) for name, c in cookies.items()
    }
    assert flags == {"sessionid": (True, True, "Lax"), "csrftoken": (True, True, "Lax")}

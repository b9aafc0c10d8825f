"""The upload page: staff only, renders the form the browser script drives."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.sources.connectors.registry import SOURCE_IDS

URL = "/lake/upload/"

pytestmark = pytest.mark.django_db


def test_upload_page_redirects_anonymous_to_login(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/lake/upload/"


def test_upload_page_refuses_non_staff(bob_client: Client) -> None:
    assert bob_client.get(URL).status_code == 403


def test_upload_page_renders_form_for_staff(alice_client: Client, settings: Any) -> None:
    response = alice_client.get(URL)

    assert response.status_code == 200
    assert [t.name for t in response.templates][:3] == [
        "warehouse/upload.html",
        "base.html",
        "warehouse/partials/upload_form.html",
    ]
    html = response.content.decode()
    assert 'action="/api/lake/upload"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'type="file" name="file" id="upload-files" multiple' in html
    assert all(f'<option value="{source_id}">' in html for source_id in SOURCE_IDS)
    assert '<script src="/static/js/upload.js" defer></script>' in html
    assert '<script src="/static/js/live.js" defer></script>' in html
    # CSP: no inline script or style anywhere on the page
    assert "<script>" not in html
    assert "style=" not in html


def test_upload_page_serves_form_fragment_to_htmx(alice_client: Client) -> None:
    response = alice_client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["warehouse/partials/upload_form.html"]


def test_upload_page_refuses_post(alice_client: Client) -> None:
    assert alice_client.post(URL).status_code == 405

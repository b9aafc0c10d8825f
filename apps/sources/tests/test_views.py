"""The credentials page: staff only, secrets never shown back, bad input is a 400."""

from __future__ import annotations

from typing import Any

import pytest

from apps.sources.credentials import credential_load, credential_save
from apps.sources.models import Credential, TwoFactorRequest
from apps.sources.services import two_factor_request_open

pytestmark = pytest.mark.django_db

URL = "/sources/credentials/"
SECRET = "EAAB-page-secret-token-42"


def test_credentials_page_sends_anonymous_to_login(client: Any) -> None:
    anonymous = client.get(URL)
    assert (anonymous.status_code, anonymous["Location"]) == (302, f"/login/?next={URL}")
    assert client.get("/sources/credentials/2fa/1/").status_code == 302


def test_credentials_pages_refuse_non_staff(bob_client: Any) -> None:
    assert bob_client.get(URL).status_code == 403
    assert bob_client.post("/sources/credentials/2fa/1/", {"code": "1"}).status_code == 403
    assert bob_client.post(f"{URL}metaads/-/verify/").status_code == 403
    assert bob_client.post(URL, {"source": "metaads"}).status_code == 403


def test_credentials_page_lists_missing_and_stored_logins_without_secrets(
    alice_client: Any,
) -> None:
    # given one stored Meta token
    credential_save(source="metaads", account="", kind="api_token", data={"access_token": SECRET})

    # when staff open the page
    response = alice_client.get(URL)

    # then metaads is listed with its status, a never-connected source shows missing,
    # and the secret is nowhere in the HTML
    html = response.content.decode()
    assert response.status_code == 200
    assert "<td>metaads</td>" in html
    assert html.count('class="status-missing"') >= 1
    assert SECRET not in html


def test_credentials_form_saves_encrypted_and_never_echoes(alice_client: Any) -> None:
    # when staff save a token
    response = alice_client.post(
        URL, {"source": "metaads", "account": "", "kind": "api_token", "secret": SECRET}
    )

    # then it redirects, the token is stored encrypted, and the next page does not show it
    assert response.status_code == 302
    assert credential_load(source="metaads", account="", kind="api_token") == {
        "access_token": SECRET
    }
    assert SECRET.encode() not in bytes(Credential.objects.get().secret)
    assert SECRET not in alice_client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"source": "metaads", "account": "", "kind": "storage_state", "secret": "{}"}, "kind"),
        ({"source": "nope", "account": "", "kind": "api_token", "secret": "x"}, "source"),
        (
            {
                "source": "tiktok",
                "account": "../x",
                "kind": "storage_state",
                "secret": '{"cookies": []}',
            },
            "account",
        ),
        (
            {
                "source": "tiktok",
                "account": "zonea0",
                "kind": "storage_state",
                "secret": "not json " + SECRET,
            },
            "secret",
        ),
    ],
)
def test_credentials_form_bad_input_is_a_400_without_the_secret(
    alice_client: Any, form: dict[str, str], field: str
) -> None:
    response = alice_client.post(URL, form)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert SECRET not in response.content.decode()
    assert Credential.objects.count() == 0


def test_credential_action_queues_a_verification(
    alice_client: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # given a stored token and a stubbed verifier
    credential_save(source="metaads", account="", kind="api_token", data={"access_token": "t"})
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(
        "apps.sources.tasks.credential_verify",
        lambda source, account: calls.append((source, account)) or True,
    )

    # when staff press "verify now"
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"{URL}metaads/-/verify/")

    # then one verification ran for the one-account source, and the page is shown again
    assert response.status_code == 302
    assert calls == [("metaads", "")]
    assert alice_client.post(f"{URL}metaads/-/explode/").status_code == 400
    assert alice_client.get(f"{URL}metaads/-/verify/").status_code == 405


def test_two_factor_page_takes_a_code_before_the_deadline(
    alice_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a pending request (resume disabled so no extraction runs here)
    monkeypatch.setattr("apps.sources.services._notify", lambda **kw: None)
    request = two_factor_request_open(
        source="distrokid", account="", prompt="SMS code", resume_on_submit=False
    )
    url = f"/sources/credentials/2fa/{request.pk}/"

    # then an empty code is a 400, a code is accepted once
    assert alice_client.post(url, {"code": ""}).status_code == 400
    assert alice_client.post(url, {"code": "123456"}).status_code == 302
    assert TwoFactorRequest.objects.get().status == "submitted"
    again = alice_client.post(url, {"code": "999999"})
    assert again.status_code == 400
    assert "999999" not in again.content.decode()
    assert alice_client.get("/sources/credentials/2fa/999/").status_code == 404


def test_credential_admin_never_shows_the_secret(admin_client: Any) -> None:
    # given a stored token, when the admin lists and opens it
    credential = credential_save(
        source="metaads", account="", kind="api_token", data={"access_token": SECRET}
    )
    listing = admin_client.get("/admin/sources/credential/")
    detail = admin_client.get(f"/admin/sources/credential/{credential.pk}/change/")

    # then both pages render and neither holds the token or its ciphertext
    ciphertext = bytes(Credential.objects.get().secret).decode()
    for response in (listing, detail):
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
        assert ciphertext not in response.content.decode()

"""POST /api/lake/upload: staff only, CSRF-checked for sessions, size-limited before storing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.lake.models import LakeFile

URL = "/api/lake/upload"

pytestmark = pytest.mark.django_db


def _statement(name: str = "statement.tsv", content: bytes = b"not a statement\n") -> Any:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def _lake_root(settings: Any) -> Path:
    return Path(settings.STORAGES["lake"]["OPTIONS"]["location"])


def _stored_files(settings: Any) -> list[Path]:
    root = _lake_root(settings)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _assert_nothing_stored(settings: Any) -> None:
    assert LakeFile.objects.count() == 0
    assert _stored_files(settings) == []


@pytest.fixture(autouse=True)
def _no_enqueue_unless_stored(db: None, django_capture_on_commit_callbacks: Any) -> Iterator[None]:
    """Every test records what would run after commit; a refused upload must enqueue nothing."""
    with django_capture_on_commit_callbacks() as callbacks:
        yield
    if LakeFile.objects.count() == 0:
        assert callbacks == []


def test_lake_file_upload_api_refuses_anonymous(client: Client, settings: Any) -> None:
    response = client.post(URL, {"file": _statement()})

    assert response.status_code == 401
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_refuses_non_staff(bob_client: Client, settings: Any) -> None:
    response = bob_client.post(URL, {"file": _statement()})

    assert response.status_code == 403
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_requires_a_file(alice_client: Client, settings: Any) -> None:
    response = alice_client.post(URL, {"source": "distrokid"})

    assert response.status_code == 400
    assert response.json() == {"file": ["No file was submitted."]}
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_refuses_a_body_that_is_not_a_form(
    alice_client: Client, settings: Any
) -> None:
    response = alice_client.post(URL, data=b"raw bytes", content_type="application/octet-stream")

    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "application/octet-stream" in request.'
    }
    assert not LakeFile.objects.exists()


def test_lake_file_upload_api_rejects_unknown_source(alice_client: Client, settings: Any) -> None:
    response = alice_client.post(URL, {"file": _statement(), "source": "napster"})

    assert response.status_code == 400
    assert response.json() == {"source": ['"napster" is not a valid choice.']}
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_refuses_more_than_one_file(
    alice_client: Client, settings: Any
) -> None:
    response = alice_client.post(URL, {"file": [_statement("a.tsv"), _statement("b.tsv", b"b\n")]})

    assert response.status_code == 400
    assert response.json() == {"file": ["Send one file per request."]}
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_refuses_oversize_file_before_storing(
    alice_client: Client, settings: Any
) -> None:
    # given a 10-byte limit and an 11-byte file whose request fits the envelope allowance
    settings.UPLOAD_MAX_BYTES = 10

    response = alice_client.post(URL, {"file": _statement(content=b"x" * 11)})

    assert response.status_code == 413
    assert response.json() == {"detail": "The file is larger than the 10 byte limit."}
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_refuses_oversize_body_unread(
    alice_client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a body far over the limit: it is refused on its declared length, before parsing
    settings.UPLOAD_MAX_BYTES = 10
    from django.http.multipartparser import MultiPartParser

    def _never_parse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(MultiPartParser, "parse", _never_parse)

    response = alice_client.post(URL, {"file": _statement(content=b"x" * 200_000)})

    assert response.status_code == 413
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_rejects_session_post_without_csrf_token(
    alice: Any, settings: Any
) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)

    response = csrf_client.post(URL, {"file": _statement()})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_accepts_session_post_with_csrf_header(
    alice: Any, settings: Any
) -> None:
    # given the token the upload page renders, sent back in the X-CSRFToken header
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    page = csrf_client.get("/lake/upload/")
    token = page.context["csrf_token"]

    response = csrf_client.post(URL, {"file": _statement()}, headers={"X-CSRFToken": str(token)})

    assert response.status_code == 201
    assert LakeFile.objects.count() == 1


def test_lake_file_upload_api_rejects_foreign_origin(alice: Any, settings: Any) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(alice)
    token = csrf_client.get("/lake/upload/").context["csrf_token"]

    response = csrf_client.post(
        URL,
        {"file": _statement()},
        headers={"X-CSRFToken": str(token), "Origin": "https://evil.example"},
        secure=True,
    )

    assert response.status_code == 403
    _assert_nothing_stored(settings)


def test_lake_file_upload_api_reports_rejected_file(alice_client: Client, settings: Any) -> None:
    # given synchronous uploads and bytes no connector recognises
    settings.UPLOAD_ASYNC = False

    response = alice_client.post(URL, {"file": _statement("../../etc/passwd.csv", b"hello\n")})

    # then the file is kept in quarantine with a reason, and the lineage row says so
    assert response.status_code == 201
    lake_file = LakeFile.objects.get()
    body = response.json()
    assert body == {
        "id": lake_file.pk,
        "source": "_unrecognised",
        "account": "",
        "zone": "quarantine",
        "name": "passwd.csv",
        "sha256": lake_file.sha256,
        "rows_in": None,
        "rows_out": None,
        "rows_rejected": None,
        "status": "quarantined",
        "error": "source not recognised; pass --source",
        "created_at": body["created_at"],
        "result": "rejected",
        "reason": "source not recognised; pass --source",
    }
    # the traversal name is metadata only: every stored file sits under the lake root
    root = _lake_root(settings).resolve()
    assert _stored_files(settings)
    assert all(path.resolve().is_relative_to(root) for path in _stored_files(settings))


def test_lake_file_upload_api_queues_the_pipeline_after_commit(
    alice_client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given asynchronous uploads (the default)
    settings.UPLOAD_ASYNC = True

    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            URL, {"file": _statement(), "source": "distrokid", "account": "label"}
        )

    # then the file is registered in landing and its processing waits for the commit
    assert response.status_code == 201
    lake_file = LakeFile.objects.get()
    body = response.json()
    assert {key: body[key] for key in ("id", "source", "account", "zone", "status", "result")} == {
        "id": lake_file.pk,
        "source": "distrokid",
        "account": "label",
        "zone": "landing",
        "status": "received",
        "result": "queued",
    }
    assert len(callbacks) == 1


def test_lake_file_upload_api_authenticates_tokens(
    alice: Any, client: Client, settings: Any
) -> None:
    settings.UPLOAD_ASYNC = False
    token = Token.objects.create(user=alice)

    response = client.post(
        URL, {"file": _statement()}, headers={"Authorization": f"Token {token.key}"}
    )

    assert response.status_code == 201
    assert response.json()["result"] == "rejected"

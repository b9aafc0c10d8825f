"""Credentials are encrypted at rest, rotate to a new key, and never reach a dump or a log."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from apps.sources.credentials import (
    CredentialUndecryptable,
    credential_load,
    credential_mark,
    credential_save,
    fernet,
)
from apps.sources.models import Credential

pytestmark = pytest.mark.django_db

PASSWORD = "hunter2-Very-Secret-Pa55"
TOKEN = "EAAGm0PX4ZCpsBAKsecret-token-value-123456"


def _save_two() -> None:
    credential_save(
        source="distrokid",
        account="",
        kind="password",
        data={"email": "label@example.com", "password": PASSWORD},
    )
    credential_save(
        source="metaads",
        account="",
        kind="api_token",
        data={"access_token": TOKEN, "ad_account_id": "123"},
        expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )


def _every_table_as_text() -> str:
    """A raw SELECT of every table, bytea columns decoded as text, as a DB dump would show."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    raw = bytes(value) if isinstance(value, memoryview | bytes) else None
                    chunks.append(raw.decode("latin-1") if raw is not None else str(value))
    return "\n".join(chunks)


def test_credential_save_then_load_returns_the_same_dict() -> None:
    # given a saved password credential
    _save_two()

    # when loading it back, then it is the same dict, and the row holds ciphertext
    assert credential_load(source="distrokid", account="", kind="password") == {
        "email": "label@example.com",
        "password": PASSWORD,
    }
    row = Credential.objects.get(source="distrokid")
    assert row.status == "valid"
    assert bytes(row.secret).startswith(b"gAAAAA")  # a Fernet token
    assert credential_load(source="distrokid", account="", kind="cookies") is None


def test_credential_plain_secret_absent_from_raw_tables_and_dumpdata() -> None:
    # given two stored secrets
    _save_two()

    # when reading every table raw and dumping the data as JSON
    raw = _every_table_as_text()
    dump = io.StringIO()
    call_command("dumpdata", "sources", stdout=dump)

    # then neither secret appears anywhere (0 plaintext hits), though the rows are there
    hits = sum(
        text.count(secret) for text in (raw, dump.getvalue()) for secret in (PASSWORD, TOKEN)
    )
    assert hits == 0
    assert dump.getvalue().count('"model": "sources.credential"') == 2


def test_credential_mark_records_status_expiry_and_verification() -> None:
    # given a stored token
    _save_two()
    expiry = datetime(2027, 3, 1, tzinfo=UTC)

    # when a probe marks it verified with a new expiry, and another marks it refused
    credential_mark(
        source="metaads",
        account="",
        kind="api_token",
        status="valid",
        expires_at=expiry,
        verified=True,
    )
    verified_at = Credential.objects.get(source="metaads").last_verified_at
    credential_mark(source="metaads", account="", kind="api_token", status="needs_reconnect")

    # then the row carries both facts; the expiry is kept when a mark gives none
    row = Credential.objects.get(source="metaads")
    assert (row.status, row.expires_at, row.last_verified_at) == (
        "needs_reconnect",
        expiry,
        verified_at,
    )
    assert verified_at is not None


def test_rotate_credentials_key_reencrypts_every_row_with_the_first_key(settings: Any) -> None:
    # given two rows encrypted with the old key
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CREDENTIAL_KEYS = [old_key]
    _save_two()
    before = dict(Credential.objects.values_list("pk", "secret"))

    # when the new key is put first and the command runs
    settings.CREDENTIAL_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_credentials_key", stdout=out)

    # then 2 of 2 rows changed and decrypt with the new key alone
    assert out.getvalue().strip() == "re-encrypted 2 credential(s) with the first key"
    after = dict(Credential.objects.values_list("pk", "secret"))
    assert sum(bytes(before[pk]) != bytes(after[pk]) for pk in before) == 2
    settings.CREDENTIAL_KEYS = [new_key]
    assert credential_load(source="metaads", account="", kind="api_token")["access_token"] == TOKEN

    # and 0 rows still decrypt with the removed key
    settings.CREDENTIAL_KEYS = [old_key]
    undecryptable = 0
    for source, kind in (("distrokid", "password"), ("metaads", "api_token")):
        with pytest.raises(CredentialUndecryptable):
            credential_load(source=source, account="", kind=kind)
        undecryptable += 1
    assert undecryptable == 2


def test_rotate_credentials_key_fails_when_a_row_has_no_matching_key(settings: Any) -> None:
    # given a row written with a key that is no longer configured
    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]
    _save_two()
    settings.CREDENTIAL_KEYS = [Fernet.generate_key().decode()]

    # when rotating, then the command exits 1 naming the problem
    with pytest.raises(CommandError, match="cannot be decrypted") as error:
        call_command("rotate_credentials_key", stderr=io.StringIO())
    assert error.value.returncode == 1


def test_fernet_in_production_without_keys_stops_with_a_clear_message(settings: Any) -> None:
    # given production settings without BEDROT_CREDENTIAL_KEYS
    settings.IS_PRODUCTION = True
    settings.CREDENTIAL_KEYS = []

    # when building the cipher, then it refuses, naming the variable
    with pytest.raises(ImproperlyConfigured, match="BEDROT_CREDENTIAL_KEYS"):
        fernet()


def test_fernet_rejects_a_malformed_key_without_echoing_it(settings: Any) -> None:
    settings.CREDENTIAL_KEYS = ["not-a-fernet-key-secretvalue"]
    with pytest.raises(ImproperlyConfigured) as error:
        fernet()
    assert "secretvalue" not in str(error.value)


def test_credential_logs_never_contain_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    # given debug logging, when saving, loading and marking credentials
    caplog.set_level(logging.DEBUG)
    _save_two()
    credential_load(source="distrokid", account="", kind="password")
    credential_mark(source="distrokid", account="", kind="password", status="expired")

    # then there were log lines, and 0 of them carry a secret
    assert len(caplog.records) >= 3
    assert sum(PASSWORD in r.getMessage() or TOKEN in r.getMessage() for r in caplog.records) == 0

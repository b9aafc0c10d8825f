"""Encrypted credential storage: the only module that encrypts or decrypts login material.

Secrets are JSON dicts encrypted with MultiFernet. The key list comes from
settings.CREDENTIAL_KEYS (env BEDROT_CREDENTIAL_KEYS): the first key encrypts, every key
decrypts, so a new key can be put first and `rotate_credentials_key` re-encrypts the rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from apps.health.errors import PermanentError
from apps.sources.models import Credential

logger = logging.getLogger(__name__)

# Label mixed into the development key, so it never equals a key derived elsewhere from SECRET_KEY.
_DEV_KEY_LABEL = b"bedrot-credentials-dev-key-v1"


class CredentialUndecryptable(PermanentError):
    """The stored ciphertext does not open with any configured key (a key was removed)."""

    code = "credential_undecryptable"


def _dev_key() -> bytes:
    digest = hashlib.sha256(_DEV_KEY_LABEL + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def fernet() -> MultiFernet:
    """The MultiFernet of the configured keys; production refuses to run without them."""
    keys = list(getattr(settings, "CREDENTIAL_KEYS", []) or [])
    if not keys:
        if settings.IS_PRODUCTION:
            raise ImproperlyConfigured(
                "BEDROT_CREDENTIAL_KEYS (or BEDROT_CREDENTIAL_KEYS_FILE) is required in "
                "production: comma-separated Fernet keys, the first one encrypts"
            )
        keys = [_dev_key().decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        # Never echo the key material itself.
        raise ImproperlyConfigured(
            "BEDROT_CREDENTIAL_KEYS must hold url-safe base64 Fernet keys (32 bytes each)"
        ) from None


def encrypt_json(data: dict[str, Any]) -> bytes:
    return fernet().encrypt(json.dumps(data, sort_keys=True).encode())


def decrypt_json(token: bytes) -> dict[str, Any]:
    try:
        plain = fernet().decrypt(bytes(token))
    except InvalidToken:
        raise CredentialUndecryptable(
            "stored credential cannot be decrypted with the configured keys; enter it again"
        ) from None
    data = json.loads(plain)
    if not isinstance(data, dict):
        raise CredentialUndecryptable("stored credential is not a JSON object; enter it again")
    return data


def credential_save(
    *,
    source: str,
    account: str,
    kind: str,
    data: dict[str, Any],
    expires_at: datetime | None = None,
) -> Credential:
    """Store (or replace) one login's material encrypted; the credential becomes valid."""
    secret = encrypt_json(data)
    with transaction.atomic():
        credential, _ = Credential.objects.update_or_create(
            source=source,
            account=account,
            kind=kind,
            defaults={
                "secret": secret,
                "status": Credential.Status.VALID,
                "expires_at": expires_at,
                "last_error": "",
            },
        )
    logger.info("credential_saved source=%s account=%s kind=%s", source, account or "-", kind)
    return credential


def credential_load(*, source: str, account: str, kind: str) -> dict[str, Any] | None:
    """The decrypted material of one login, or None when nothing is stored."""
    secret = (
        Credential.objects.filter(source=source, account=account, kind=kind)
        .values_list("secret", flat=True)
        .first()
    )
    if secret is None or len(bytes(secret)) == 0:
        return None
    return decrypt_json(secret)


def credential_mark(
    *,
    source: str,
    account: str,
    kind: str,
    status: str,
    expires_at: datetime | None = None,
    verified: bool = False,
) -> None:
    """Record what a probe or a run learnt about a login: status, new expiry, verified now."""
    if status not in Credential.Status.values:
        raise ValueError(f"unknown credential status {status!r}")
    changes: dict[str, Any] = {"status": status, "updated_at": timezone.now()}
    if expires_at is not None:
        changes["expires_at"] = expires_at
    if verified:
        changes["last_verified_at"] = timezone.now()
    updated = Credential.objects.filter(source=source, account=account, kind=kind).update(**changes)
    logger.info(
        "credential_marked source=%s account=%s kind=%s status=%s found=%s",
        source,
        account or "-",
        kind,
        status,
        bool(updated),
    )


def credential_rotate_all() -> int:
    """Re-encrypt every stored credential with the first key; returns how many rows changed."""
    multi = fernet()
    rotated = 0
    for pk in Credential.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            credential = Credential.objects.select_for_update().get(pk=pk)
            try:
                new_secret = multi.rotate(bytes(credential.secret))
            except InvalidToken:
                raise CredentialUndecryptable(
                    f"credential {credential} cannot be decrypted with any configured key; "
                    "nothing after it was rotated"
                ) from None
            Credential.objects.filter(pk=pk).update(secret=new_secret)
        rotated += 1
    logger.info("credentials_rotated count=%s", rotated)
    return rotated

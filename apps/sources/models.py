"""Stored logins: cookies, storage states and tokens, encrypted at rest (see credentials.py)."""

from __future__ import annotations

from django.db import models


class Credential(models.Model):
    """One source account's login material. `secret` holds MultiFernet ciphertext only."""

    class Status(models.TextChoices):
        VALID = "valid"
        EXPIRING = "expiring"
        EXPIRED = "expired"
        MISSING = "missing"
        NEEDS_2FA = "needs_2fa"

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=32, help_text="password / cookies / storage_state / token")
    secret = models.BinaryField(help_text="Encrypted JSON; never shown again once saved")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_extracted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "account", "kind"], name="credential_natural_key"
            )
        ]
        ordering = ["source", "account", "kind"]

    def __str__(self) -> str:
        return f"{self.source}/{self.account or '-'} {self.kind}"

"""Stored logins: cookies, storage states and tokens, encrypted at rest (see credentials.py)."""

from __future__ import annotations

from django.db import models


class Credential(models.Model):
    """One source account's login material. `secret` holds MultiFernet ciphertext only."""

    class Status(models.TextChoices):
        VALID = "valid"
        EXPIRING = "expiring"
        CRITICAL = "critical"
        EXPIRED = "expired"
        MISSING = "missing"
        NEEDS_2FA = "needs_2fa"
        NEEDS_RECONNECT = "needs_reconnect"
        UNKNOWN = "unknown"

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=32, help_text="password / cookies / storage_state / token")
    secret = models.BinaryField(help_text="Encrypted JSON; never shown again once saved")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_extracted_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    # Why the last probe, refresh or extraction failed; built from error codes, never secrets.
    last_error = models.CharField(max_length=500, blank=True, default="")
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


class TwoFactorRequest(models.Model):
    """A login waiting on a human: the vendor asked for a 2FA code before `deadline`.

    The code is stored encrypted (it is a secret for a few minutes) and consumed once.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SUBMITTED = "submitted"
        CONSUMED = "consumed"
        EXPIRED = "expired"

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True, default="")
    prompt = models.CharField(max_length=500, help_text="What the vendor asked for")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    code_secret = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField()
    # True when no browser run is waiting for the code: submitting it starts the extraction again.
    resume_on_submit = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["source", "account", "status"])]

    def __str__(self) -> str:
        return f"2FA {self.source}/{self.account or '-'} {self.status}"


class ExtractionLock(models.Model):
    """One extraction per (source, account) at a time: a row claimed with a lease.

    A database row rather than a cache key, so the lock works the same on SQLite and
    PostgreSQL and an expired lease (a killed worker) can be claimed again.
    """

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True, default="")
    owner = models.CharField(max_length=64, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "account"], name="extraction_lock_key")
        ]

    def __str__(self) -> str:
        return f"lock {self.source}/{self.account or '-'}"


class CredentialRefreshAttempt(models.Model):
    """One automatic login refresh Bedrot tried: the durable count behind SPEC 6.5's limits
    (one per credential per 6 h, three per day), so a cache flush never lifts them."""

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True, default="")
    attempted_at = models.DateTimeField()
    is_refreshed = models.BooleanField(null=True, help_text="Empty while the refresh runs")

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["source", "account", "attempted_at"])]

    def __str__(self) -> str:
        return f"refresh {self.source}/{self.account or '-'} at {self.attempted_at:%Y-%m-%d %H:%M}"

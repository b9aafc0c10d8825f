from __future__ import annotations

from django.conf import settings
from django.db import models


class Zone(models.TextChoices):
    LANDING = "landing"
    RAW = "raw"
    STAGING = "staging"
    CURATED = "curated"
    ARCHIVE = "archive"
    QUARANTINE = "quarantine"
    SANDBOX = "sandbox"


class FileOrigin(models.TextChoices):
    """How a file reached landing; API data takes precedence over exports (SPEC 3.5)."""

    UPLOAD = "upload"
    API = "api"
    BROWSER = "browser"
    DROP = "drop"


class FileStatus(models.TextChoices):
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    STAGED = "staged"
    CURATED = "curated"
    LOADED = "loaded"
    FAILED = "failed"


class LakeFile(models.Model):
    """The lineage row of one received file: the source of truth for which zone it is in."""

    source = models.CharField(max_length=32, blank=True, db_index=True)
    account = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=64, blank=True)
    original_name = models.CharField(max_length=255)
    landing_key = models.CharField(max_length=500)
    raw_key = models.CharField(max_length=500, blank=True)
    staging_key = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    # What the connector reads from the name when the bytes do not say it (an S4A song
    # timeline's account/song); empty for every other kind, which dedupes by sha256 alone.
    dedupe_identity = models.CharField(max_length=320, blank=True, default="")
    size_bytes = models.BigIntegerField()
    zone = models.CharField(max_length=16, choices=Zone.choices, default=Zone.LANDING)
    status = models.CharField(
        max_length=16, choices=FileStatus.choices, default=FileStatus.RECEIVED
    )
    origin = models.CharField(max_length=16, choices=FileOrigin.choices, default=FileOrigin.UPLOAD)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replayed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parser_name = models.CharField(max_length=64, blank=True)
    parser_version = models.CharField(max_length=16, blank=True)
    schema_id = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(max_length=16, blank=True)
    delimiter = models.CharField(max_length=8, blank=True)
    line_ending = models.CharField(max_length=8, blank=True)
    captured_at = models.DateTimeField(
        null=True, blank=True, help_text="When the data was captured, from the file's own dates"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    rows_in = models.BigIntegerField(null=True, blank=True)
    rows_out = models.BigIntegerField(null=True, blank=True)
    rows_rejected = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    header_fingerprint = models.CharField(max_length=64, blank=True)
    # This file's columns and its drift against the header set its parser declares (SPEC 3.3).
    schema_drift = models.JSONField(default=dict, blank=True)
    # When the same bytes came again more than a day after this capture while it was still the
    # newest of its kind: the site may be serving a cached answer (TooLost analytics, SPEC 2.2).
    possibly_cached_at = models.DateTimeField(null=True, blank=True)
    # One entry per replay: when, parser versions, and added/changed/removed keys per dataset.
    replays = models.JSONField(default=list, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # A quarantined file staff reviewed and set aside (SPEC 3.3): its bytes stay in raw, so a
    # replay after a parser fix can still bring it in.
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissal_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same file is registered once: one non-duplicate row per sha256 and identity
            # (raw still stores the bytes once, keyed by sha256 alone).
            models.UniqueConstraint(
                fields=["sha256", "dedupe_identity"],
                condition=~models.Q(status="duplicate"),
                name="lake_file_unique_sha256_identity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source or '?'}:{self.original_name} ({self.status})"

    @property
    def is_dismissed(self) -> bool:
        """Set aside by staff while quarantined; a later successful replay supersedes it."""
        return self.dismissed_at is not None and self.status == FileStatus.QUARANTINED


class RejectedRow(models.Model):
    """A row kept out of staging, with where it was and why."""

    lake_file = models.ForeignKey(LakeFile, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.IntegerField()
    column = models.CharField(max_length=128, blank=True)
    code = models.CharField(max_length=64)
    message = models.TextField()
    raw_line = models.TextField(blank=True)

    class Meta:
        ordering = ["lake_file_id", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["lake_file", "row_number", "column"], name="rejected_row_unique"
            )
        ]

    def __str__(self) -> str:
        return f"row {self.row_number} {self.column}: {self.code}"


class CuratedDataset(models.Model):
    """A curated dataset's current manifest plus a lease so one writer merges at a time."""

    name = models.CharField(max_length=64, unique=True)
    manifest_key = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

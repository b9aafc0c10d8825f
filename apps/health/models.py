from __future__ import annotations

from django.db import models
from django.utils import timezone


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    STARTED = "started"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class TaskRun(models.Model):
    """One durable record per task delivery chain: what ran, with which arguments, how it ended."""

    task_name = models.CharField(max_length=200, db_index=True)
    celery_task_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    source = models.CharField(max_length=32, blank=True, db_index=True)
    account = models.CharField(max_length=64, blank=True)
    trigger = models.CharField(max_length=16, default="manual")
    arguments = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempt = models.PositiveIntegerField(default=0)
    parent_run = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_in = models.BigIntegerField(null=True, blank=True)
    rows_out = models.BigIntegerField(null=True, blank=True)
    rows_rejected = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} {self.status}"

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SourceHealthSetting(models.Model):
    """Editable per-source health knobs: scoring priority and the auto-pause threshold."""

    class Priority(models.TextChoices):
        CRITICAL = "CRITICAL"
        HIGH = "HIGH"
        MEDIUM = "MEDIUM"
        LOW = "LOW"

    source = models.CharField(max_length=32, unique=True)
    priority = models.CharField(max_length=8, choices=Priority.choices)
    auto_pause_after_failures = models.PositiveIntegerField(
        default=5, help_text="Consecutive failed scheduled runs before the schedule pauses"
    )

    class Meta:
        ordering = ["source"]

    def __str__(self) -> str:
        return f"{self.source} ({self.priority})"


class SourcePause(models.Model):
    """A paused (source, account): the schedules it disabled, so resuming re-enables only those."""

    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True, default="")
    reason = models.CharField(max_length=200)
    is_automatic = models.BooleanField(default=False)
    periodic_task_names = models.JSONField(default=list, blank=True)
    paused_at = models.DateTimeField(auto_now_add=True)
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paused_at"]
        constraints = [
            # At most one open pause per (source, account).
            models.UniqueConstraint(
                fields=["source", "account"],
                condition=models.Q(resumed_at__isnull=True),
                name="source_pause_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.account or '-'} paused"

    @property
    def is_active(self) -> bool:
        return self.resumed_at is None


class Severity(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ORDER = [Severity.INFO, Severity.WARNING, Severity.HIGH, Severity.CRITICAL]


class NotificationType(models.TextChoices):
    SOURCE_STATUS = "source_status"
    CREDENTIAL = "credential"
    NEEDS_RECONNECT = "needs_reconnect"
    AUTO_PAUSE = "auto_pause"
    DAILY_SUMMARY = "daily_summary"
    STALE = "stale"
    # SPEC 5.4 `pipeline`: the overall health status worsened, improved or recovered.
    PIPELINE = "pipeline"


class Notification(models.Model):
    """One event that was sent, suppressed by its cool-off, or failed to deliver."""

    class Outcome(models.TextChoices):
        SENT = "sent"
        SUPPRESSED = "suppressed"
        FAILED = "failed"
        DISABLED = "disabled"

    type = models.CharField(max_length=32, choices=NotificationType.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    source = models.CharField(max_length=32, blank=True)
    account = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200)
    dedupe_key = models.CharField(max_length=400, db_index=True)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    is_recovery = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    deliveries = models.JSONField(default=dict, blank=True)
    # Set by the sender (its `now`), so the cool-off is measured on one clock.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.severity} {self.subject} ({self.outcome})"


class NotificationCooloff(models.Model):
    """Per-type cool-off overriding BEDROT_NOTIFY_COOLOFF_S."""

    type = models.CharField(max_length=32, choices=NotificationType.choices, unique=True)
    cooloff_minutes = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.type}: {self.cooloff_minutes} min"


class RemediationAction(models.Model):
    """One automatic fix Bedrot tried (or would have tried, when remediation was disabled)."""

    class Kind(models.TextChoices):
        CREDENTIAL_REFRESH = "credential_refresh"
        NEEDS_RECONNECT = "needs_reconnect"
        FILE_REQUEUE = "file_requeue"
        REPLAY = "replay"

    class Outcome(models.TextChoices):
        PENDING = "pending"
        EXECUTED = "executed"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        NOT_AVAILABLE = "not_available"
        SKIPPED = "skipped"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    source = models.CharField(max_length=32)
    account = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    failed_run = models.ForeignKey(
        TaskRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    child_run = models.ForeignKey(
        TaskRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rerun_run = models.ForeignKey(
        TaskRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}/{self.account or '-'} {self.outcome}"


class ScheduleSlotClaim(models.Model):
    """A periodic job's (job, slot) taken by the first delivery that ran it (SPEC 6.7, R28): a
    second scheduler started by mistake sends the same slot again, and that delivery is skipped.
    """

    job = models.CharField(max_length=200, help_text="The django-celery-beat task name")
    slot = models.DateTimeField(help_text="The scheduled instant the delivery belongs to")
    celery_task_id = models.CharField(max_length=64)
    claimed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="health_schedule_slot_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S} by {self.celery_task_id}"

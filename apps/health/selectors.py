"""Reads for health: the facts each source is scored on, run history and the credential inventory.

Health sits underneath the other apps and imports none of them: their models are looked up by
label through the app registry, so this module works with only the tables it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.db.models import Exists, Max, Model, OuterRef, QuerySet

from apps.health.cadence import (
    DEFAULT_PRIORITIES,
    HEALTH_SOURCE_IDS,
    SOURCE_CADENCES,
    AgeBasis,
    DatasetCadence,
    Priority,
)
from apps.health.models import (
    Notification,
    NotificationType,
    RunStatus,
    SourceHealthSetting,
    SourcePause,
    TaskRun,
)
from apps.health.scoring import (
    CredentialFacts,
    DatasetFacts,
    PipelineFacts,
    RunFacts,
    SourceFacts,
)

# Lake statuses whose rows reached the curated zone: the data consumers actually see.
DATA_STATUSES = ("curated", "loaded")
WAITING_ZONES = ("landing", "raw", "staging")
NOT_WAITING_STATUSES = ("quarantined", "failed", "duplicate")
FILE_WAIT_LIMIT = timedelta(hours=1)
WAREHOUSE_LAG_LIMIT = timedelta(days=1)
QUARANTINE_WINDOW = timedelta(days=7)
RECENT_RUNS_SCANNED = 50
TERMINAL_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED)


def _model(label: str) -> type[Model]:
    return django_apps.get_model(label)


def lake_files() -> QuerySet[Any]:
    return _model("lake.LakeFile").objects.all()


def possibly_cached_files() -> list[Any]:
    """Captures flagged `possibly_cached` (SPEC 2.2) that are still the newest of their source,
    kind and account: a later, different capture clears the doubt."""
    newer = (
        lake_files()
        .filter(
            source=OuterRef("source"),
            kind=OuterRef("kind"),
            account=OuterRef("account"),
            pk__gt=OuterRef("pk"),
        )
        .exclude(status="duplicate")
    )
    flagged = lake_files().filter(possibly_cached_at__isnull=False).exclude(Exists(newer))
    return list(flagged.order_by("source", "kind", "account"))


def credentials() -> QuerySet[Any]:
    return _model("sources.Credential").objects.all()


def source_priority_get(source: str) -> Priority:
    setting = SourceHealthSetting.objects.filter(source=source).first()
    return Priority(setting.priority) if setting else DEFAULT_PRIORITIES[source]


def _newest_date(files: QuerySet[Any], cadence: DatasetCadence) -> date | None:
    """The worst account's newest date: each account's newest, then the oldest of those."""
    if cadence.kinds:
        files = files.filter(kind__in=cadence.kinds)
    per_account = files.values("account").annotate(
        newest_data=Max("period_end"), newest_capture=Max("created_at")
    )
    newest: list[date] = []
    for row in per_account:
        capture = row["newest_capture"].date() if row["newest_capture"] else None
        value = row["newest_data"] if cadence.basis == AgeBasis.DATA else capture
        value = value or capture  # a file with no dates is judged by its arrival
        if value is not None:
            newest.append(value)
    return min(newest) if newest else None


def _run_facts(source: str, *, now: datetime) -> RunFacts:
    runs = TaskRun.objects.filter(source=source)
    failed_24h = runs.filter(
        status=RunStatus.FAILED, finished_at__gte=now - timedelta(hours=24)
    ).count()
    consecutive = 0
    recent = runs.filter(status__in=TERMINAL_STATUSES).order_by("-queued_at", "-id")
    for status in recent.values_list("status", flat=True)[:RECENT_RUNS_SCANNED]:
        if status != RunStatus.FAILED:
            break
        consecutive += 1
    last_success = (
        runs.filter(status=RunStatus.SUCCEEDED).aggregate(at=Max("finished_at"))["at"] or None
    )
    last_failed = runs.filter(status=RunStatus.FAILED).order_by("-finished_at", "-id").first()
    parts = (last_failed.error_code, last_failed.error_message[:200]) if last_failed else ()
    last_error = ": ".join(part for part in parts if part)
    return RunFacts(failed_24h, consecutive, last_success, last_error)


def _bottlenecks(files: QuerySet[Any], *, now: datetime) -> tuple[str, ...]:
    waiting = (
        files.filter(zone__in=WAITING_ZONES, updated_at__lt=now - FILE_WAIT_LIMIT)
        .exclude(status__in=NOT_WAITING_STATUSES)
        .exclude(claimed_until__gt=now)  # a live claim is an active run
        .order_by("id")
    )
    found = [f"file {item.pk} waiting in {item.zone} over 1 h" for item in waiting]
    unloaded = files.filter(status="curated", updated_at__lt=now - WAREHOUSE_LAG_LIMIT)
    found += [
        f"file {item.pk}: warehouse more than 1 day behind curated"
        for item in unloaded.order_by("id")
    ]
    return tuple(found)


def _pipeline_facts(files: QuerySet[Any], *, now: datetime) -> PipelineFacts:
    last = (
        files.exclude(status="duplicate")
        .filter(rows_in__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )
    quarantined = files.filter(status="quarantined", created_at__gte=now - QUARANTINE_WINDOW)
    newest_curated = (
        files.filter(status__in=DATA_STATUSES).aggregate(at=Max("created_at"))["at"] or None
    )
    unreplayed = files.filter(status="failed").exclude(raw_key="")
    if newest_curated is not None:
        unreplayed = unreplayed.filter(created_at__gt=newest_curated)
    return PipelineFacts(
        last_file_rows_in=last.rows_in if last else None,
        last_file_rows_rejected=last.rows_rejected if last else None,
        quarantined_7d=quarantined.count(),
        bottlenecks=_bottlenecks(files, now=now),
        has_unreplayed_raw=unreplayed.exists(),
    )


def source_facts_get(source: str, *, now: datetime) -> SourceFacts:
    """Everything one source is scored on, read from lineage, runs, logins and pauses."""
    files = lake_files().filter(source=source)
    data_files = files.filter(status__in=DATA_STATUSES)
    credential_rows = list(credentials().filter(source=source))
    file_accounts = set(files.exclude(status="duplicate").values_list("account", flat=True))
    datasets = tuple(
        DatasetFacts(cadence.name, cadence.ladder, _newest_date(data_files, cadence))
        for cadence in SOURCE_CADENCES[source]
    )
    return SourceFacts(
        source=source,
        priority=source_priority_get(source),
        is_configured=bool(file_accounts) or bool(credential_rows),
        has_any_data=data_files.exists(),
        datasets=datasets,
        credentials=tuple(
            CredentialFacts(row.account, row.status, row.expires_at, row.last_verified_at)
            for row in credential_rows
        ),
        runs=_run_facts(source, now=now),
        pipeline=_pipeline_facts(files, now=now),
        is_paused=SourcePause.objects.filter(source=source, resumed_at__isnull=True).exists(),
    )


def health_source_ids(service: str | None = None) -> tuple[str, ...]:
    return (service,) if service else HEALTH_SOURCE_IDS


@dataclass(frozen=True)
class RunFilter:
    status: str | None = None
    source: str | None = None
    task: str | None = None
    start: date | None = None
    end: date | None = None


def task_run_list(*, filters: RunFilter) -> QuerySet[TaskRun]:
    """Run history for the ops console and /api/health/runs, newest first."""
    runs = TaskRun.objects.all().order_by("-queued_at", "-id")
    if filters.status:
        runs = runs.filter(status=filters.status)
    if filters.source:
        runs = runs.filter(source=filters.source)
    if filters.task:
        runs = runs.filter(task_name__icontains=filters.task)
    if filters.start:
        runs = runs.filter(queued_at__date__gte=filters.start)
    if filters.end:
        runs = runs.filter(queued_at__date__lte=filters.end)
    return runs


def credential_inventory_list(*, source: str | None = None) -> QuerySet[Any]:
    """Credential rows with only their metadata loaded; the encrypted secret is never read."""
    rows = credentials().order_by("source", "account", "kind")
    if source:
        rows = rows.filter(source=source)
    return rows.only(
        "id", "source", "account", "kind", "status", "expires_at", "last_verified_at",
        "last_extracted_at", "updated_at",
    )  # fmt: skip


# The digest gathers spike and drop alerts (SPEC 5.3.6: "gathered into the daily digest").
ANOMALY_ALERT_TYPE = "anomaly"
DIGEST_FALLBACK_WINDOW = timedelta(hours=24)


def previous_digest_at(*, before: datetime) -> datetime | None:
    """When the last stored daily digest went out before `before` (None if never)."""
    return (
        Notification.objects.filter(type=NotificationType.DAILY_SUMMARY, created_at__lt=before)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def anomaly_alerts_unacknowledged_since(*, since: datetime, until: datetime) -> list[Any]:
    """Anomaly alerts raised in [since, until) that no one has acknowledged, oldest first.
    None when the kpis app is not installed in this process (health runs without it)."""
    try:
        alert_model = _model("kpis.Alert")
    except LookupError:
        return []
    return list(
        alert_model.objects.filter(
            type=ANOMALY_ALERT_TYPE,
            acknowledged_at__isnull=True,
            created_at__gte=since,
            created_at__lt=until,
        ).order_by("created_at", "pk")
    )

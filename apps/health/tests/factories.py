"""Rows health reads: lake lineage, stored logins and runs, with their timestamps set."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from django.apps import apps as django_apps

from apps.health.models import RunStatus, TaskRun

_counter = itertools.count(1)


def lake_file(
    *,
    source: str,
    created_at: datetime,
    period_end: date | None = None,
    account: str = "",
    kind: str = "",
    status: str = "loaded",
    zone: str = "curated",
    **fields: Any,
) -> Any:
    model = django_apps.get_model("lake", "LakeFile")
    number = next(_counter)
    row = model.objects.create(
        source=source,
        account=account,
        kind=kind,
        original_name=f"file{number}.csv",
        landing_key=f"landing/{source}/{number}.csv",
        sha256=f"{number:064x}",
        size_bytes=10,
        status=status,
        zone=zone,
        period_end=period_end,
        **fields,
    )
    # created_at/updated_at are automatic: set them afterwards to place the file in time
    model.objects.filter(pk=row.pk).update(created_at=created_at, updated_at=created_at)
    row.refresh_from_db()
    return row


def credential(
    *,
    source: str,
    account: str = "",
    status: str = "valid",
    expires_at: datetime | None = None,
    last_verified_at: datetime | None = None,
    kind: str = "storage_state",
) -> Any:
    model = django_apps.get_model("sources", "Credential")
    return model.objects.create(
        source=source,
        account=account,
        kind=kind,
        secret=b"ciphertext-not-a-secret",
        status=status,
        expires_at=expires_at,
        last_verified_at=last_verified_at,
    )


def task_run(
    *,
    source: str,
    status: str,
    queued_at: datetime,
    task_name: str = "apps.sources.tasks.source_extract",
    account: str = "",
    trigger: str = "schedule",
    **fields: Any,
) -> TaskRun:
    run = TaskRun.objects.create(
        task_name=task_name,
        source=source,
        account=account,
        trigger=trigger,
        status=status,
        arguments={"source": source, "account": account},
        finished_at=queued_at if status in (RunStatus.SUCCEEDED, RunStatus.FAILED) else None,
        **fields,
    )
    TaskRun.objects.filter(pk=run.pk).update(queued_at=queued_at)
    run.refresh_from_db()
    return run

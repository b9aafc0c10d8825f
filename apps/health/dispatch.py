"""Start other apps' tasks by name, with a TaskRun row written first (never by importing them).

Health re-runs work by the task name and arguments recorded on a run (STYLE 1), so it works
whether or not the app that owns the task is importable in this process.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

from apps.health.models import RunStatus, TaskRun
from apps.health.tasks import _safe_arguments, run_record_unsent, run_subject
from bedrot_site.celery import app as celery_app

logger = logging.getLogger(__name__)

# Tasks other apps provide; the names are their public entry points.
CREDENTIAL_REFRESH_TASK = "apps.sources.tasks.credential_refresh"
SOURCE_EXTRACT_TASK = "apps.sources.tasks.source_extract"
FILE_PROCESS_TASK = "apps.warehouse.tasks.lake_file_process_task"


def _send(
    name: str,
    kwargs: dict[str, Any],
    task_id: str,
    link: Any | None = None,
    countdown_s: int | None = None,
) -> None:
    """The one place a message leaves for the broker; tests replace it."""
    options: dict[str, Any] = {"task_id": task_id}
    if link is not None:
        options["link"] = link
    if countdown_s:
        options["countdown"] = countdown_s
    try:
        celery_app.send_task(name, kwargs=kwargs, **options)
    except OperationalError as error:
        # The broker is unreachable: the caller (a health check, a retry click) must still
        # finish, and the run shows as failed so it can be retried once the broker is back.
        # (send_task goes by name, past BedrotTask.apply_async, which does the same.)
        run_record_unsent(name, task_id, kwargs, error)


def _run_create(
    *, task_name: str, kwargs: dict[str, Any], trigger: str, parent_run: TaskRun | None
) -> TaskRun:
    arguments = _safe_arguments(kwargs)
    source, account = run_subject(arguments)
    return TaskRun.objects.create(
        task_name=task_name,
        celery_task_id=str(uuid.uuid4()),
        source=source,
        account=account,
        trigger=trigger,
        arguments=arguments,
        status=RunStatus.QUEUED,
        parent_run=parent_run,
    )


def task_dispatch(
    *,
    task_name: str,
    kwargs: dict[str, Any],
    trigger: str,
    parent_run: TaskRun | None = None,
    then: tuple[str, dict[str, Any]] | None = None,
    countdown_s: int | None = None,
) -> tuple[TaskRun, TaskRun | None]:
    """Record a queued run and send it after commit; `then` runs next only if it succeeds.
    `countdown_s` delays the start (a scheduled browser run's jitter)."""
    run = _run_create(task_name=task_name, kwargs=kwargs, trigger=trigger, parent_run=parent_run)
    next_run = None
    link = None
    if then is not None:
        next_name, next_kwargs = then
        next_run = _run_create(
            task_name=next_name, kwargs=next_kwargs, trigger=trigger, parent_run=parent_run
        )
        link = celery_app.signature(
            next_name,
            kwargs=next_run.arguments,
            immutable=True,
            options={"task_id": next_run.celery_task_id},
        )
    # The rows commit first, so the worker always finds the run it is asked to record.
    transaction.on_commit(
        partial(_send, task_name, run.arguments, str(run.celery_task_id), link, countdown_s)
    )
    logger.info("task_dispatched task=%s run_id=%s trigger=%s", task_name, run.pk, trigger)
    return run, next_run

"""`bedrot_task`: the one decorator every task goes through; it records runs and applies limits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from celery import Task, shared_task
from celery.exceptions import Ignore, Reject, Retry
from celery.result import AsyncResult
from celery.utils import uuid
from django.apps import apps as django_apps
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.health.errors import BedrotError, RunSkipped, TransientError
from apps.health.models import RunStatus, TaskRun
from apps.health.slots import (
    PERIODIC_TASK_HEADER,
    SENT_AT_HEADER,
    request_header,
    schedule_slot_claim,
)

logger = logging.getLogger(__name__)

# A message delivered this many times without finishing is poison: fail it instead of looping.
MAX_DELIVERIES = 3
RETRY_BACKOFF_MAX_S = 600
MAX_RETRIES = 3
# The error code of a run whose message never reached the broker.
BROKER_UNREACHABLE = "broker_unreachable"

_ARGUMENT_TYPES = (str, int, float, bool, type(None))


def _safe_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keep only plain values, so a run's arguments can be replayed and never hold an object."""
    return {key: value for key, value in kwargs.items() if isinstance(value, _ARGUMENT_TYPES)}


def _periodic_task_name(request: Any) -> str:
    return request_header(request, PERIODIC_TASK_HEADER)


def _schedule_slot_check(request: Any, task_id: str) -> None:
    """Skip a delivery whose (job, slot) another scheduler's message already ran (R28)."""
    job = _periodic_task_name(request)
    sent_at = request_header(request, SENT_AT_HEADER)
    if not job or not sent_at:
        return
    if not schedule_slot_claim(job=job, sent_at=datetime.fromisoformat(sent_at), task_id=task_id):
        raise RunSkipped(
            "duplicate_slot", detail=f"{job}: this slot already ran from another scheduler"
        )


def run_is_scheduled(request: Any) -> bool:
    """True when beat started this delivery (django-celery-beat names it in a header)."""
    return bool(_periodic_task_name(request))


def task_run_current(request: Any) -> TaskRun | None:
    """The run row of the delivery `request` belongs to (None outside a recorded task)."""
    task_id = getattr(request, "id", None)
    return TaskRun.objects.filter(celery_task_id=task_id).first() if task_id else None


# Tasks that work on one row of another app name it by id; the row says which source it is.
# Looked up by label, as health imports no other app (STYLE 1).
_SUBJECT_MODELS = {"file_id": "lake.LakeFile"}


def run_subject(kwargs: dict[str, Any]) -> tuple[str, str]:
    """(source, account) a run is about: its own kwargs, else the row a `file_id` names."""
    source = str(kwargs.get("source") or kwargs.get("source_id") or "")
    account = str(kwargs.get("account") or "")
    if source:
        return source, account
    for key, label in _SUBJECT_MODELS.items():
        if kwargs.get(key) is None:
            continue
        try:
            model = django_apps.get_model(label)
        except LookupError:  # the owning app is not installed in this process
            continue
        row = model.objects.filter(pk=kwargs[key]).values("source", "account").first()
        if row is not None:
            return str(row["source"] or ""), str(row["account"] or "")
    return "", account


def _record_failure(task_id: str, exc: BaseException) -> None:
    TaskRun.objects.filter(celery_task_id=task_id).exclude(status=RunStatus.SKIPPED).update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        error_code=_error_code(exc),
        error_message=str(exc)[:2000],
    )


def run_record_unsent(
    task_name: str, task_id: str, kwargs: dict[str, Any], error: Exception
) -> None:
    """A message the broker did not take: a failed run the ops console can retry."""
    logger.error(
        "task_send_failed task=%s task_id=%s error=%s", task_name, task_id, type(error).__name__
    )
    source, account = run_subject(kwargs)
    # A caller may have written the queued run under this id already; it becomes the failed one.
    TaskRun.objects.update_or_create(
        celery_task_id=task_id,
        defaults={
            "task_name": task_name,
            "arguments": _safe_arguments(kwargs),
            "source": source,
            "account": account,
            "status": RunStatus.FAILED,
            "finished_at": timezone.now(),
            "error_code": BROKER_UNREACHABLE,
            "error_message": "The task could not be queued: the broker did not answer.",
        },
    )


class BedrotTask(Task):  # type: ignore[misc]
    """Records a TaskRun per delivery chain and refuses to loop on a poison message."""

    def apply_async(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> AsyncResult:
        """Send the task; with the broker down, record a failed run instead of raising (R25).
        The caller (an upload, a load queueing its checks) has already committed its work and
        must still answer; files left in landing are enqueued again by the landing sweep."""
        try:
            return super().apply_async(args, kwargs, **options)
        except OperationalError as error:
            if options.get("retries"):
                raise  # a retry from inside a running task fails that task, as before
            task_id = options.get("task_id") or uuid()
            run_record_unsent(self.name, task_id, kwargs or {}, error)
            return self.AsyncResult(task_id)

    def before_start(self, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        source, account = run_subject(kwargs)
        run, _ = TaskRun.objects.get_or_create(
            celery_task_id=task_id,
            defaults={
                "task_name": self.name,
                "arguments": _safe_arguments(kwargs),
                "source": source,
                "account": account,
                # django-celery-beat names the schedule in a header: auto-pause counts these.
                "trigger": "schedule" if _periodic_task_name(self.request) else "manual",
            },
        )
        subject = {} if run.source else {"source": source, "account": run.account or account}
        TaskRun.objects.filter(pk=run.pk).update(
            status=RunStatus.STARTED,
            started_at=timezone.now(),
            attempt=F("attempt") + 1,
            # A run queued by health before the row it names was known gets its subject now.
            **subject,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = self.request.id
        if task_id and not self.request.is_eager:
            run = TaskRun.objects.filter(celery_task_id=task_id).only("attempt").first()
            if run is not None and run.attempt > MAX_DELIVERIES:
                TaskRun.objects.filter(pk=run.pk).update(
                    status=RunStatus.FAILED,
                    finished_at=timezone.now(),
                    error_code="worker_lost_repeatedly",
                    error_message=f"delivered {run.attempt} times without finishing",
                )
                logger.error("task_poison_dropped task=%s task_id=%s", self.name, task_id)
                return None
        try:
            if task_id and not self.request.is_eager:
                _schedule_slot_check(self.request, task_id)
            return super().__call__(*args, **kwargs)
        except RunSkipped as skipped:
            TaskRun.objects.filter(celery_task_id=task_id).update(
                status=RunStatus.SKIPPED,
                finished_at=timezone.now(),
                error_code=skipped.reason[:64],
                error_message=skipped.message[:2000],
            )
            logger.info("task_skipped task=%s task_id=%s reason=%s", self.name, task_id, skipped)
            return None
        except (Retry, Ignore, Reject):
            raise
        except Exception as exc:
            # Eager runs that propagate errors never reach on_failure: record the failure here.
            if task_id:
                _record_failure(task_id, exc)
            raise

    def on_success(
        self, retval: Any, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        # A skipped run keeps its status; Celery still calls on_success for it.
        TaskRun.objects.filter(celery_task_id=task_id).exclude(status=RunStatus.SKIPPED).update(
            status=RunStatus.SUCCEEDED, finished_at=timezone.now()
        )
        logger.info("task_succeeded task=%s task_id=%s", self.name, task_id)

    def on_retry(
        self,
        exc: BaseException,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        TaskRun.objects.filter(celery_task_id=task_id).update(
            status=RunStatus.RETRYING, error_code=_error_code(exc), error_message=str(exc)[:2000]
        )

    def on_failure(
        self,
        exc: BaseException,
        task_id: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        _record_failure(task_id, exc)
        logger.error("task_failed task=%s task_id=%s code=%s", self.name, task_id, _error_code(exc))


def _error_code(exc: BaseException) -> str:
    return exc.code if isinstance(exc, BedrotError) else type(exc).__name__


def bedrot_task(**options: Any) -> Callable[[Callable[..., Any]], Task]:
    """Declare a Celery task with run recording, late acks and retries for TransientError only."""
    defaults: dict[str, Any] = {
        "base": BedrotTask,
        "autoretry_for": (TransientError,),
        "retry_backoff": True,
        "retry_backoff_max": RETRY_BACKOFF_MAX_S,
        "retry_jitter": True,
        "max_retries": MAX_RETRIES,
    }
    defaults.update(options)
    return shared_task(**defaults)  # type: ignore[no-any-return]


@bedrot_task(soft_time_limit=300, time_limit=360)
def health_check_task() -> str:
    """The 30-minute health check: score, auto-pause, remediate, notify; returns the status."""
    from apps.health.services import health_check_run  # services import this module

    return str(health_check_run().overall_status)


@bedrot_task(soft_time_limit=120, time_limit=180)
def health_daily_summary_task() -> int:
    """The 09:00 digest of runs, freshness and credentials."""
    from apps.health.services import health_daily_summary_send

    return 1 if health_daily_summary_send() is not None else 0

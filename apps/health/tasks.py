"""`bedrot_task`: the one decorator every task goes through; it records runs and applies limits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.db.models import F
from django.utils import timezone

from apps.health.errors import BedrotError, TransientError
from apps.health.models import RunStatus, TaskRun

logger = logging.getLogger(__name__)

# A message delivered this many times without finishing is poison: fail it instead of looping.
MAX_DELIVERIES = 3
RETRY_BACKOFF_MAX_S = 600
MAX_RETRIES = 3

_ARGUMENT_TYPES = (str, int, float, bool, type(None))


def _safe_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keep only plain values, so a run's arguments can be replayed and never hold an object."""
    return {key: value for key, value in kwargs.items() if isinstance(value, _ARGUMENT_TYPES)}


def _periodic_task_name(request: Any) -> str:
    return str(getattr(request, "periodic_task_name", None) or "")


class BedrotTask(Task):  # type: ignore[misc]
    """Records a TaskRun per delivery chain and refuses to loop on a poison message."""

    def before_start(self, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        run, _ = TaskRun.objects.get_or_create(
            celery_task_id=task_id,
            defaults={
                "task_name": self.name,
                "arguments": _safe_arguments(kwargs),
                "source": str(kwargs.get("source_id") or kwargs.get("source") or ""),
                "account": str(kwargs.get("account") or ""),
                # django-celery-beat names the schedule in a header: auto-pause counts these.
                "trigger": "schedule" if _periodic_task_name(self.request) else "manual",
            },
        )
        TaskRun.objects.filter(pk=run.pk).update(
            status=RunStatus.STARTED, started_at=timezone.now(), attempt=F("attempt") + 1
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
        return super().__call__(*args, **kwargs)

    def on_success(
        self, retval: Any, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        TaskRun.objects.filter(celery_task_id=task_id).update(
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
        TaskRun.objects.filter(celery_task_id=task_id).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error_code=_error_code(exc),
            error_message=str(exc)[:2000],
        )
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

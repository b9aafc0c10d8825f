"""Celery entry points for extractions and credential refreshes (kwargs: source, account)."""

from __future__ import annotations

import logging

from celery import Task

from apps.health.errors import PermanentError, RunSkipped
from apps.health.tasks import bedrot_task, run_is_scheduled, task_run_current
from apps.sources.extractors.base import SCOPE_ALL
from apps.sources.services import (
    EXTRACTION_RUN_LIMIT_S,
    credential_refresh,
    credential_verify,
    credentials_verify_all,
    source_extract,
    source_extract_defer,
)

logger = logging.getLogger(__name__)

# A browser run may wait 10 min for a 2FA code on top of its own work.
EXTRACT_SOFT_TIME_LIMIT_S = 1500
EXTRACT_HARD_TIME_LIMIT_S = EXTRACTION_RUN_LIMIT_S


# Registered under the names health dispatches by (apps/health/dispatch.py).
SOURCE_EXTRACT_TASK = "apps.sources.tasks.source_extract"
CREDENTIAL_REFRESH_TASK = "apps.sources.tasks.credential_refresh"


@bedrot_task(
    name=SOURCE_EXTRACT_TASK,
    bind=True,
    soft_time_limit=EXTRACT_SOFT_TIME_LIMIT_S,
    time_limit=EXTRACT_HARD_TIME_LIMIT_S,
)
def source_extract_task(
    self: Task,
    *,
    source: str,
    account: str | None = None,
    scope: str = SCOPE_ALL,
    is_jittered: bool = False,
) -> dict[str, object]:
    """Fetch one source (one account, or every stored one) and run the pipeline on the files.
    A scheduled browser run first re-queues itself after a random delay (SPEC 2.0)."""
    if run_is_scheduled(self.request) and not is_jittered:
        deferred = source_extract_defer(
            source=source, account=account, scope=scope, parent_run=task_run_current(self.request)
        )
        if deferred is not None:
            raise RunSkipped("deferred", detail=f"start delayed by jitter; run {deferred.pk}")
    results = source_extract(source=source, account=account, scope=scope)
    summary = {
        "results": [
            {
                "account": result.account,
                "status": result.status,
                "reason": result.reason,
                "files": {item.name: item.result for item in result.files},
            }
            for result in results
        ]
    }
    failed = [result for result in results if result.status == "failed"]
    if failed:
        # Recorded as a failed run (no retry: transient errors were already retried inside).
        raise PermanentError("; ".join(f"{r.account or '-'}: {r.reason}" for r in failed))
    if results and all(result.status == "skipped" for result in results):
        # SPEC 6.1/6.7: a skip (needs_reconnect, already running) is not a failure and does
        # not count towards auto-pause; the run says why.
        raise RunSkipped(results[0].reason)
    return summary


@bedrot_task(name=CREDENTIAL_REFRESH_TASK, soft_time_limit=120, time_limit=180)
def credential_refresh_task(*, source: str, account: str = "", is_automatic: bool = True) -> bool:
    """Renew one login where the source allows it (scheduled before expiry, or by remediation)."""
    return credential_refresh(source=source, account=account, is_automatic=is_automatic)


@bedrot_task(name="apps.sources.tasks.credential_verify", soft_time_limit=120, time_limit=180)
def credential_verify_task(*, source: str, account: str = "") -> bool:
    """Probe one login now (the daily check, and the credential page's "verify now")."""
    return credential_verify(source=source, account=account)


@bedrot_task(
    name="apps.sources.tasks.credentials_verify_all", soft_time_limit=1500, time_limit=1800
)
def credentials_verify_all_task() -> int:
    """The daily probe: verify every stored login of every source with an extractor."""
    return credentials_verify_all()

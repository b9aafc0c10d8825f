"""Celery entry points for extractions and credential refreshes (kwargs: source, account)."""

from __future__ import annotations

import logging

from apps.health.errors import PermanentError
from apps.health.tasks import bedrot_task
from apps.sources.services import (
    credential_refresh,
    credential_verify,
    credentials_verify_all,
    source_extract,
)

logger = logging.getLogger(__name__)

# A browser run may wait 10 min for a 2FA code on top of its own work.
EXTRACT_SOFT_TIME_LIMIT_S = 1500
EXTRACT_HARD_TIME_LIMIT_S = 1800


# Registered under the names health dispatches by (apps/health/dispatch.py).
SOURCE_EXTRACT_TASK = "apps.sources.tasks.source_extract"
CREDENTIAL_REFRESH_TASK = "apps.sources.tasks.credential_refresh"


@bedrot_task(
    name=SOURCE_EXTRACT_TASK,
    soft_time_limit=EXTRACT_SOFT_TIME_LIMIT_S,
    time_limit=EXTRACT_HARD_TIME_LIMIT_S,
)
def source_extract_task(*, source: str, account: str | None = None) -> dict[str, object]:
    """Fetch one source (one account, or every stored one) and run the pipeline on the files."""
    results = source_extract(source=source, account=account)
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

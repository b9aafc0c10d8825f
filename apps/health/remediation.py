"""Auto-remediation (SPEC 6.5): renew logins, re-run failed extractions, re-queue stuck files.

Each action is a RemediationAction row. With remediation disabled the same actions are built
but not stored or sent, and the report lists them as pending.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.health.cadence import AUTOMATIC_REFRESH_SOURCES
from apps.health.dispatch import (
    CREDENTIAL_REFRESH_TASK,
    FILE_PROCESS_TASK,
    SOURCE_EXTRACT_TASK,
    task_dispatch,
)
from apps.health.models import (
    NotificationType,
    RemediationAction,
    RunStatus,
    Severity,
    TaskRun,
)
from apps.health.notifications import NotificationEvent, absolute_url, notification_send
from apps.health.scoring import CredentialStatus, SourceScore

logger = logging.getLogger(__name__)

REFRESH_MIN_GAP = timedelta(hours=6)
REFRESHES_PER_DAY = 3
FILE_REQUEUE_MIN_GAP = timedelta(hours=1)
REPLAY_MIN_GAP = timedelta(hours=6)
# The lake's replay entry point; until it exists the action is recorded as not available.
REPLAY_CALLABLE_PATH = "apps.lake.replay.lake_replay"
_REFRESHABLE = {
    CredentialStatus.EXPIRED,
    CredentialStatus.CRITICAL,
    CredentialStatus.NEEDS_RECONNECT,
}
_WAITING_FILE = re.compile(r"^file (\d+) waiting in ")
_WAREHOUSE_BEHIND = re.compile(r"^file (\d+): warehouse more than 1 day behind")
Action = RemediationAction.Kind
Outcome = RemediationAction.Outcome


def _load_callable(path: str) -> Callable[..., Any] | None:
    module_name, _, attribute = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        return None


def _recent(kind: str, *, source: str, account: str, subject: str, since: datetime) -> int:
    return RemediationAction.objects.filter(
        kind=kind,
        source=source,
        account=account,
        subject=subject,
        created_at__gte=since,
        outcome__in=(Outcome.EXECUTED, Outcome.SUCCEEDED, Outcome.FAILED),
    ).count()


def _refresh_allowed(source: str, account: str, now: datetime) -> bool:
    recent = _recent(
        Action.CREDENTIAL_REFRESH,
        source=source,
        account=account,
        subject="login",
        since=now - REFRESH_MIN_GAP,
    )
    today = _recent(
        Action.CREDENTIAL_REFRESH,
        source=source,
        account=account,
        subject="login",
        since=now - timedelta(days=1),
    )
    return recent == 0 and today < REFRESHES_PER_DAY


def _last_failed_extraction(source: str, account: str) -> TaskRun | None:
    """The failed extraction to re-run: the newest one, if no success came after it."""
    runs = TaskRun.objects.filter(source=source, account=account, task_name=SOURCE_EXTRACT_TASK)
    last = runs.filter(status__in=(RunStatus.SUCCEEDED, RunStatus.FAILED)).first()
    return last if last is not None and last.status == RunStatus.FAILED else None


def _action(kind: str, source: str, account: str, subject: str, detail: str) -> RemediationAction:
    return RemediationAction(
        kind=kind,
        source=source,
        account=account,
        subject=subject,
        detail=detail,
        outcome=Outcome.PENDING,
    )


def _credential_actions(
    score: SourceScore, *, enabled: bool, notify: bool, now: datetime
) -> list[RemediationAction]:
    state = score.credential
    if state.status not in _REFRESHABLE:
        return []
    source, account = score.source, state.account
    if source not in AUTOMATIC_REFRESH_SOURCES:
        return [_needs_human(score, enabled=enabled, notify=notify, now=now)]
    if not _refresh_allowed(source, account, now):
        return []
    failed = _last_failed_extraction(source, account)
    action = _action(
        Action.CREDENTIAL_REFRESH,
        source,
        account,
        "login",
        f"credential {state.status}: refresh"
        + (f", then re-run run {failed.pk}" if failed else ""),
    )
    action.failed_run = failed
    if not enabled:
        return [action]
    then = (failed.task_name, dict(failed.arguments)) if failed else None
    refresh_run, rerun = task_dispatch(
        task_name=CREDENTIAL_REFRESH_TASK,
        kwargs={"source": source, "account": account},
        trigger="remediation",
        parent_run=failed,
        then=then,
    )
    action.child_run, action.rerun_run = refresh_run, rerun
    action.outcome = Outcome.EXECUTED
    action.save()
    return [action]


def _deadline(score: SourceScore) -> str:
    expires_at = score.credential.expires_at
    return expires_at.isoformat() if expires_at else "the next scheduled run"


def _needs_human(
    score: SourceScore, *, enabled: bool, notify: bool, now: datetime
) -> RemediationAction:
    """Manual-only logins (TikTok, S4A, Linktree) or 2FA: a person is asked, with a deadline."""
    account = score.credential.account
    action = _action(
        Action.NEEDS_RECONNECT,
        score.source,
        account,
        "login",
        f"credential {score.credential.status}: a person must log in before {_deadline(score)}",
    )
    if enabled:
        action.outcome = Outcome.EXECUTED
        action.save()
    notification_send(
        event=NotificationEvent(
            type=NotificationType.NEEDS_RECONNECT,
            severity=Severity.HIGH,
            subject=f"{score.source} login needs a person",
            message=(
                f"The {score.source} login ({account or '-'}) is {score.credential.status} and "
                f"cannot be renewed automatically. Log in again before {_deadline(score)}."
            ),
            source=score.source,
            account=account,
            url=absolute_url("/health/#credentials"),
            details={"deadline": _deadline(score)},
        ),
        is_enabled=notify,
        now=now,
    )
    return action


def _file_actions(score: SourceScore, *, enabled: bool, now: datetime) -> list[RemediationAction]:
    actions = []
    for bottleneck in score.bottlenecks:
        match = _WAITING_FILE.match(bottleneck) or _WAREHOUSE_BEHIND.match(bottleneck)
        if match is None:
            continue
        subject = f"file {match.group(1)}"
        if _recent(
            Action.FILE_REQUEUE,
            source=score.source,
            account="",
            subject=subject,
            since=now - FILE_REQUEUE_MIN_GAP,
        ):
            continue
        action = _action(Action.FILE_REQUEUE, score.source, "", subject, bottleneck)
        if enabled:
            action.child_run, _ = task_dispatch(
                task_name=FILE_PROCESS_TASK,
                kwargs={"file_id": int(match.group(1))},
                trigger="remediation",
            )
            action.outcome = Outcome.EXECUTED
            action.save()
        actions.append(action)
    return actions


def _replay_action(score: SourceScore, *, enabled: bool, now: datetime) -> list[RemediationAction]:
    """A stale source with data in raw: rebuild its curated rows from raw (the lake's replay)."""
    is_stale = any(item.rule == "freshness" for item in score.deductions)
    if not (is_stale and score.has_unreplayed_raw) or _recent(
        Action.REPLAY,
        source=score.source,
        account="",
        subject="curated",
        since=now - REPLAY_MIN_GAP,
    ):
        return []
    action = _action(Action.REPLAY, score.source, "", "curated", "stale curated data: replay raw")
    if not enabled:
        return [action]
    replay = _load_callable(REPLAY_CALLABLE_PATH)
    if replay is None:
        action.outcome = Outcome.NOT_AVAILABLE
        action.detail += f" ({REPLAY_CALLABLE_PATH} not available)"
    else:
        try:
            replay(source=score.source, run_async=True)
            action.outcome = Outcome.SUCCEEDED
        except Exception as error:  # a failed replay is recorded; the health check goes on
            action.outcome = Outcome.FAILED
            action.detail += f" ({type(error).__name__})"
    action.save()
    return [action]


def remediation_run(
    *, score: SourceScore, enabled: bool, notify: bool, now: datetime | None = None
) -> list[RemediationAction]:
    """The SPEC 6.5 rules for one scored source; stored and sent only when `enabled`."""
    now = now or timezone.now()
    if score.score is None:
        return []
    actions = _credential_actions(score, enabled=enabled, notify=notify, now=now)
    actions += _file_actions(score, enabled=enabled, now=now)
    actions += _replay_action(score, enabled=enabled, now=now)
    for action in actions:
        logger.info(
            "remediation_action kind=%s source=%s outcome=%s",
            action.kind,
            action.source,
            action.outcome,
        )
    return actions


def remediation_outcomes_update() -> int:
    """Turn `executed` actions into succeeded/failed once the runs they started have ended."""
    updated = 0
    executed = RemediationAction.objects.filter(
        outcome=Outcome.EXECUTED, child_run__isnull=False
    ).select_related("child_run", "rerun_run")
    for action in executed:
        last_run = action.rerun_run or action.child_run
        runs = [run for run in (action.child_run, action.rerun_run) if run is not None]
        if any(run.status == RunStatus.FAILED for run in runs):
            action.outcome = Outcome.FAILED
        elif last_run is not None and last_run.status == RunStatus.SUCCEEDED:
            action.outcome = Outcome.SUCCEEDED
        else:
            continue
        action.save(update_fields=["outcome"])
        updated += 1
    return updated

"""Source services: run an extraction, verify and refresh logins, hand 2FA to a human.

`source_extract` is the one entry point the command, the Celery task and the credential page
use. It claims a per-(source, account) lock, runs the extractor into a private scratch folder,
hands every fetched file to the pipeline (landing -> raw -> ... -> warehouse) and records the
outcome on the credential. A refused login gets one automatic refresh and one retry.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.health.errors import BedrotError, InvalidInputError, PermanentError, TransientError
from apps.health.models import TaskRun
from apps.sources.credentials import credential_save, decrypt_json, encrypt_json
from apps.sources.extractors import EXTRACTORS, extractor_for
from apps.sources.extractors.base import (
    SCOPE_ALL,
    SCOPE_DAILY,
    CredentialMissing,
    CredentialRejected,
    StatementsExtractor,
    TwoFactorRequired,
)
from apps.sources.inventory import BARE_VALUE_FIELD, SOURCE_PROFILES
from apps.sources.models import (
    Credential,
    CredentialRefreshAttempt,
    ExtractionLock,
    TwoFactorRequest,
)

logger = logging.getLogger(__name__)

# A claimed extraction lock outlives the longest run; an expired one (killed worker) is reclaimed.
EXTRACTION_LEASE = timedelta(hours=2)
# SPEC 6.5: the waiting browser run picks up a 2FA code for ten minutes.
TWO_FACTOR_WAIT = timedelta(minutes=10)
TWO_FACTOR_POLL_S = 2.0
# SPEC 6.5: at most one automatic refresh per credential per 6 h and 3 per day (a failed one
# is not looped). Counted from CredentialRefreshAttempt rows.
AUTOMATIC_REFRESH_COOLOFF = timedelta(hours=6)
AUTOMATIC_REFRESHES_PER_DAY = 3
# The hard time limit of the extraction task (apps.sources.tasks), which must fit with its start
# delay inside the broker's visibility timeout.
EXTRACTION_RUN_LIMIT_S = 1800
VISIBILITY_MARGIN_S = 60
_BLOCKED_STATUSES = (Credential.Status.NEEDS_RECONNECT, Credential.Status.NEEDS_2FA)


@dataclass(frozen=True)
class FetchedFile:
    """One fetched file and what the pipeline made of it (accepted, duplicate, rejected...)."""

    name: str
    result: str
    reason: str = ""
    lake_file_id: int | None = None


@dataclass(frozen=True)
class ExtractionResult:
    """One (source, account) run: succeeded, skipped or failed, with its files."""

    source: str
    account: str
    status: str  # succeeded | skipped | failed
    reason: str = ""
    files: list[FetchedFile] = field(default_factory=list)

    @property
    def has_failed(self) -> bool:
        return self.status == "failed" or any(item.result == "rejected" for item in self.files)


# --- notifications -------------------------------------------------------------------------


def _notify(*, kind: str, subject: str, message: str, link: str) -> None:
    """Tell a human; notification delivery never blocks an extraction."""
    try:
        from apps.health.notifications import notify
    except ImportError:
        logger.warning("notification_unavailable kind=%s subject=%s", kind, subject)
        return
    try:
        notify(kind=kind, subject=subject, message=message, link=link)
    except Exception:  # a broken channel must not fail the run that noticed the problem
        logger.exception("notification_failed kind=%s subject=%s", kind, subject)


def _credentials_link() -> str:
    return reverse("sources:credentials")


# --- locking ---------------------------------------------------------------------------------


def extraction_lock_claim(*, source: str, account: str) -> str | None:
    """Claim the (source, account) run slot; returns the owner token, None when one is running."""
    owner = uuid.uuid4().hex
    now = timezone.now()
    ExtractionLock.objects.get_or_create(source=source, account=account)
    claimed = (
        ExtractionLock.objects.filter(source=source, account=account)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(owner=owner, claimed_until=now + EXTRACTION_LEASE)
    )
    return owner if claimed else None


def extraction_lock_release(*, source: str, account: str, owner: str) -> None:
    ExtractionLock.objects.filter(source=source, account=account, owner=owner).update(
        owner="", claimed_until=None
    )


# --- credential state ------------------------------------------------------------------------


def _credentials_of(source: str, account: str) -> QuerySet[Credential]:
    return Credential.objects.filter(source=source, account=account)


def _mark_all(source: str, account: str, **changes: object) -> int:
    return Credential.objects.filter(source=source, account=account).update(
        updated_at=timezone.now(), **changes
    )


def source_accounts(*, source: str) -> list[str]:
    """Accounts with a stored login for this source, in name order ("" for one-account ones)."""
    return sorted(set(Credential.objects.filter(source=source).values_list("account", flat=True)))


def credential_verify(*, source: str, account: str) -> bool:
    """Probe a login now; records valid or needs_reconnect and the verification time."""
    extractor = extractor_for(source)
    if not _credentials_of(source, account).exists():
        return False
    try:
        is_valid = extractor.verify(account=account)
    except TwoFactorRequired as error:
        two_factor_request_open(source=source, account=account, prompt=error.prompt)
        return False
    except BedrotError as error:
        _mark_all(source, account, last_error=error.code)
        logger.warning(
            "credential_verify_error source=%s account=%s code=%s", source, account, error.code
        )
        return False
    status = Credential.Status.VALID if is_valid else Credential.Status.NEEDS_RECONNECT
    _mark_all(
        source,
        account,
        status=status,
        last_verified_at=timezone.now(),
        last_error="" if is_valid else "verification_refused",
    )
    logger.info(
        "credential_verified source=%s account=%s valid=%s", source, account or "-", is_valid
    )
    return is_valid


def credential_refresh(*, source: str, account: str, is_automatic: bool = False) -> bool:
    """Renew a login without a human where the source allows it (OAuth, token exchange...).

    An automatic refresh runs within SPEC 6.5's limits (credential_refresh_attempt_claim); a
    staff "refresh now" always runs. A refresh that cannot succeed marks it needs_reconnect.
    """
    attempt = None
    if is_automatic:
        attempt = credential_refresh_attempt_claim(source=source, account=account)
        if attempt is None:
            return False
    is_refreshed = _refresh(source, account)
    if attempt is not None:
        CredentialRefreshAttempt.objects.filter(pk=attempt.pk).update(is_refreshed=is_refreshed)
    return is_refreshed


def credential_refresh_attempt_claim(
    *, source: str, account: str, now: datetime | None = None
) -> CredentialRefreshAttempt | None:
    """Record an automatic refresh if SPEC 6.5 allows one now: none in the last 6 h and fewer
    than 3 in the last 24 h for this credential. None (and nothing recorded) otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the login's rows so two workers cannot both take the last allowed attempt.
        list(Credential.objects.select_for_update().filter(source=source, account=account))
        attempts = CredentialRefreshAttempt.objects.filter(source=source, account=account)
        in_cooloff = attempts.filter(attempted_at__gt=now - AUTOMATIC_REFRESH_COOLOFF).exists()
        today = attempts.filter(attempted_at__gt=now - timedelta(days=1)).count()
        if in_cooloff or today >= AUTOMATIC_REFRESHES_PER_DAY:
            logger.info(
                "credential_refresh_limited source=%s account=%s last_24h=%s cooloff=%s",
                source,
                account or "-",
                today,
                in_cooloff,
            )
            return None
        return CredentialRefreshAttempt.objects.create(
            source=source, account=account, attempted_at=now
        )


def _refresh(source: str, account: str) -> bool:
    extractor = extractor_for(source)
    try:
        is_refreshed = extractor.refresh(account=account)
    except TwoFactorRequired as error:
        two_factor_request_open(source=source, account=account, prompt=error.prompt)
        return False
    except TransientError:
        raise  # the vendor is down, which says nothing about the login: retried later
    except BedrotError as error:
        logger.warning(
            "credential_refresh_failed source=%s account=%s code=%s", source, account, error.code
        )
        is_refreshed = False
    if is_refreshed:
        _mark_all(
            source,
            account,
            status=Credential.Status.VALID,
            last_refreshed_at=timezone.now(),
            last_error="",
        )
    else:
        _needs_reconnect(source, account, reason="refresh_failed")
    return is_refreshed


def _needs_reconnect(source: str, account: str, *, reason: str) -> None:
    """A human must log in again: mark it and say so once (the notifier de-duplicates)."""
    _mark_all(source, account, status=Credential.Status.NEEDS_RECONNECT, last_error=reason)
    _notify(
        kind="needs_reconnect",
        subject=f"{source}/{account or '-'} needs a new login",
        message=(
            f"The stored login for {source} account {account or '-'} was refused ({reason}). "
            "Enter a new one on the credentials page; extractions are skipped until then."
        ),
        link=_credentials_link(),
    )


# --- 2FA hand-off ----------------------------------------------------------------------------


def two_factor_request_open(
    *,
    source: str,
    account: str,
    prompt: str,
    wait: timedelta = TWO_FACTOR_WAIT,
    resume_on_submit: bool = True,
) -> TwoFactorRequest:
    """Ask a human for a code before a deadline: a request row, needs_2fa, a notification."""
    now = timezone.now()
    with transaction.atomic():
        TwoFactorRequest.objects.filter(
            source=source, account=account, status=TwoFactorRequest.Status.PENDING
        ).update(status=TwoFactorRequest.Status.EXPIRED)
        request = TwoFactorRequest.objects.create(
            source=source,
            account=account,
            prompt=prompt[:500],
            deadline=now + wait,
            resume_on_submit=resume_on_submit,
        )
        _mark_all(source, account, status=Credential.Status.NEEDS_2FA, last_error="needs_2fa")
    link = reverse("sources:two_factor", kwargs={"request_id": request.pk})
    _notify(
        kind="needs_reconnect",
        subject=f"{source}/{account or '-'} asks for a 2FA code",
        message=(
            f"{source} asked for a verification code ({request.prompt}). Enter it before "
            f"{request.deadline:%Y-%m-%d %H:%M} UTC; the extraction resumes after."
        ),
        link=link,
    )
    logger.info(
        "two_factor_requested source=%s account=%s request_id=%s",
        source,
        account or "-",
        request.pk,
    )
    return request


def two_factor_code_submit(*, request_id: int, code: str) -> TwoFactorRequest:
    """Store a human's code for a pending request before its deadline (encrypted, used once)."""
    code = code.strip()
    if not code or len(code) > 32:
        raise InvalidInputError("enter the code", field_errors={"code": ["1 to 32 characters"]})
    now = timezone.now()
    updated = TwoFactorRequest.objects.filter(
        pk=request_id, status=TwoFactorRequest.Status.PENDING, deadline__gt=now
    ).update(
        status=TwoFactorRequest.Status.SUBMITTED,
        code_secret=encrypt_json({"code": code}),
        submitted_at=now,
    )
    request = TwoFactorRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise InvalidInputError("unknown 2FA request", field_errors={"code": ["unknown request"]})
    if not updated:
        raise InvalidInputError(
            "this request is no longer waiting for a code",
            field_errors={"code": [f"request is {request.status}; the deadline may have passed"]},
        )
    _mark_all(request.source, request.account, status=Credential.Status.VALID, last_error="")
    if request.resume_on_submit:
        from apps.sources.tasks import source_extract_task

        transaction.on_commit(
            partial(source_extract_task.delay, source=request.source, account=request.account)
        )
    logger.info("two_factor_submitted request_id=%s", request.pk)
    return request


def two_factor_code_take(*, source: str, account: str) -> str | None:
    """The submitted, unused code for this login (consumed now), or None."""
    now = timezone.now()
    request = (
        TwoFactorRequest.objects.filter(
            source=source, account=account, status=TwoFactorRequest.Status.SUBMITTED
        )
        .order_by("-submitted_at")
        .first()
    )
    if request is None:
        return None
    consumed = TwoFactorRequest.objects.filter(
        pk=request.pk, status=TwoFactorRequest.Status.SUBMITTED
    ).update(status=TwoFactorRequest.Status.CONSUMED, consumed_at=now, code_secret=b"")
    if not consumed:
        return None
    return str(decrypt_json(request.code_secret).get("code", ""))


def two_factor_code_wait(
    *,
    source: str,
    account: str,
    prompt: str,
    wait: timedelta = TWO_FACTOR_WAIT,
    poll_s: float = TWO_FACTOR_POLL_S,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Open a 2FA request and wait (up to `wait`) for a human to enter the code; return it.

    The database work runs in a helper thread, so a browser extractor may call this while its
    Playwright page is open (Django refuses ORM calls in a thread with a running event loop).
    Raises TwoFactorRequired when the deadline passes without a code.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(
            _two_factor_wait_in_thread, source, account, prompt, wait, poll_s, sleep
        ).result()


def _two_factor_wait_in_thread(
    source: str,
    account: str,
    prompt: str,
    wait: timedelta,
    poll_s: float,
    sleep: Callable[[float], None],
) -> str:
    try:
        request = two_factor_request_open(
            source=source, account=account, prompt=prompt, wait=wait, resume_on_submit=False
        )
        while timezone.now() < request.deadline:
            code = two_factor_code_take(source=source, account=account)
            if code:
                return code
            sleep(poll_s)
        TwoFactorRequest.objects.filter(
            pk=request.pk, status=TwoFactorRequest.Status.PENDING
        ).update(status=TwoFactorRequest.Status.EXPIRED)
        raise TwoFactorRequired(
            f"no 2FA code was entered for {source}/{account or '-'} before the deadline; "
            "log in again from the credentials page"
        )
    finally:
        connection.close()


# --- extraction ------------------------------------------------------------------------------


def extraction_scope_offered(*, source: str, scope: str) -> bool:
    """Does the source's extractor split its work by `scope`? Every one offers `all`; an
    unknown source fails (InvalidInputError)."""
    offered = getattr(extractor_for(source), "scopes", ())
    return scope == SCOPE_ALL or scope in offered


def extraction_scope_check(*, source: str, scope: str) -> None:
    """Refuse a scope the source's extractor does not split its work by (InvalidInputError)."""
    if not extraction_scope_offered(source=source, scope=scope):
        offered = tuple(getattr(extractor_for(source), "scopes", (SCOPE_ALL,)))
        raise InvalidInputError(
            f"{source} has no extraction scope {scope!r}",
            field_errors={"scope": [f"one of: {', '.join(offered)}"]},
        )


def source_extract(
    *,
    source: str,
    account: str | None = None,
    since: date | None = None,
    scope: str = SCOPE_ALL,
) -> list[ExtractionResult]:
    """Run the source's extractor for one account (or every stored one) and ingest the files.
    `scope` limits a distributor's run to its daily pages or its weekly statements; without
    `since`, statements resume from those already loaded (statements_resume_since)."""
    extraction_scope_check(source=source, scope=scope)  # an unknown source fails here too
    accounts = [account] if account is not None else source_accounts(source=source)
    if not accounts:
        return [ExtractionResult(source, "", "failed", "credential_missing: no login stored")]
    return [_extract_account(source, name, since, scope) for name in accounts]


def extraction_start_delay_s(
    *, source: str, randint: Callable[[int, int], int] | None = None
) -> int:
    """Seconds a scheduled browser extraction waits before starting (SPEC 2.0 politeness), so
    logins never land on the same minute every day; 0 for API sources. `randint` is for tests."""
    if getattr(extractor_for(source), "origin", "api") != "browser":
        return 0
    # The delayed message waits in the worker unacknowledged: the wait plus the run must stay
    # under the broker's visibility timeout, or Redis would deliver it a second time.
    longest = settings.BROWSER_START_JITTER_S
    room = settings.BROKER_VISIBILITY_TIMEOUT_S - EXTRACTION_RUN_LIMIT_S - VISIBILITY_MARGIN_S
    limit = max(0, min(longest, room))
    draw = randint or random.randint  # looked up per call, so tests can replace it
    return draw(0, limit) if limit else 0


def source_extract_defer(
    *, source: str, account: str | None, scope: str, parent_run: TaskRun | None
) -> TaskRun | None:
    """Re-queue a scheduled browser extraction after its random start delay, as a child run
    that keeps the `schedule` trigger (auto-pause counts it); None when no delay applies."""
    from apps.health.dispatch import SOURCE_EXTRACT_TASK, task_dispatch

    delay_s = extraction_start_delay_s(source=source)
    if not delay_s:
        return None
    run, _ = task_dispatch(
        task_name=SOURCE_EXTRACT_TASK,
        kwargs={"source": source, "account": account, "scope": scope, "is_jittered": True},
        trigger="schedule",
        parent_run=parent_run,
        countdown_s=delay_s,
    )
    logger.info(
        "source_extract_deferred source=%s account=%s delay_s=%s run_id=%s",
        source,
        account or "-",
        delay_s,
        run.pk,
    )
    return run


def _extract_account(source: str, account: str, since: date | None, scope: str) -> ExtractionResult:
    blocked = _credentials_of(source, account).filter(status__in=_BLOCKED_STATUSES).first()
    if blocked is not None:
        return ExtractionResult(source, account, "skipped", blocked.status)
    owner = extraction_lock_claim(source=source, account=account)
    if owner is None:
        return ExtractionResult(source, account, "skipped", "already_running")
    scratch = (
        Path(settings.LAKE_WORK_DIR) / "extract" / source / (account or "_") / uuid.uuid4().hex
    )
    try:
        since = _run_since(source, account, since, scope)
        paths = _fetch_with_one_refresh(source, account, since, scratch, scope)
        files = [_ingest(source, account, path) for path in paths]
        _mark_all(source, account, last_extracted_at=timezone.now(), last_error="")
        logger.info(
            "source_extracted source=%s account=%s files=%s", source, account or "-", len(files)
        )
        return ExtractionResult(source, account, "succeeded", "", files)
    except TwoFactorRequired as error:
        two_factor_request_open(source=source, account=account, prompt=error.prompt)
        return ExtractionResult(source, account, "failed", f"{error.code}: {error.message}")
    except PermanentError as error:
        _mark_all(source, account, last_error=error.code)
        return ExtractionResult(source, account, "failed", f"{error.code}: {error.message}")
    except TransientError:
        # Pages fetched before the vendor gave out are kept (they reach raw); the run is
        # retried as a whole by the task.
        kept = [_ingest(source, account, path) for path in _written_files(scratch)]
        logger.warning(
            "source_extract_transient source=%s account=%s kept_files=%s",
            source,
            account or "-",
            len(kept),
        )
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        extraction_lock_release(source=source, account=account, owner=owner)


def _run_since(source: str, account: str, since: date | None, scope: str) -> date | None:
    """An explicit `since` wins; a run that includes statements otherwise resumes from the
    statements already held (the daily pages keep their own fixed windows)."""
    if since is not None or scope == SCOPE_DAILY:
        return since
    resumed = statements_resume_since(source=source, account=account)
    if resumed is not None:
        logger.info(
            "statements_resumed source=%s account=%s since=%s", source, account or "-", resumed
        )
    return resumed


def statements_resume_since(*, source: str, account: str) -> date | None:
    """Where a statements run starts when no `since` is given: the first day of the newest
    statement month already loaded for this source and account. That month is asked for again
    in full, so a late correction to it is read; whatever comes back twice is a sha256
    duplicate or an idempotent upsert. None when nothing is loaded yet (the first run reads the
    extractor's whole history) or when the source has no statements.

    Only files loaded into the warehouse count. A quarantined file, or one still on its way
    (received, staged, curated), holds no rows yet: its months are asked for again, so a
    corrected file can replace it, and a file that later fails is never skipped for good.
    """
    extractor = extractor_for(source)
    if not isinstance(extractor, StatementsExtractor):
        return None
    # The lake records what was received and how far it got; imported at call time like
    # `_ingest` below, since the lake sits downstream of this app.
    from apps.lake.models import FileStatus
    from apps.lake.selectors import lake_file_list

    held = (
        lake_file_list(source=source, status=FileStatus.LOADED)
        .filter(account=account, kind=extractor.statement_kind)
        .values_list("original_name", "period_end")
    )
    months = [
        extractor.held_statement_month(original_name=name, period_end=period_end)
        for name, period_end in held
    ]
    return max((month for month in months if month is not None), default=None)


def _fetch_with_one_refresh(
    source: str, account: str, since: date | None, scratch: Path, scope: str = SCOPE_ALL
) -> list[Path]:
    extractor = extractor_for(source)
    # Only extractors that split their work take a scope; the others always fetch everything.
    options = {"scope": scope} if scope != SCOPE_ALL else {}
    try:
        return extractor.extract(account=account, since=since, landing_dir=scratch, **options)
    except CredentialMissing:
        raise
    except CredentialRejected as error:
        logger.warning("source_extract_refused source=%s account=%s", source, account or "-")
        if not credential_refresh(source=source, account=account, is_automatic=True):
            _needs_reconnect(source, account, reason=error.code)
            raise
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        return extractor.extract(account=account, since=since, landing_dir=scratch, **options)
    except CredentialRejected as error:
        _needs_reconnect(source, account, reason=error.code)
        raise


def extractor_origin(source: str) -> str:
    """`api` or `browser`: the lake origin of what this source's extractor fetched."""
    origin = str(getattr(extractor_for(source), "origin", "api"))
    return origin if origin in ("api", "browser") else "api"


def _written_files(scratch: Path) -> list[Path]:
    """Whole files an interrupted extractor already wrote (temp `.part` files are skipped)."""
    if not scratch.is_dir():
        return []
    return sorted(
        path for path in scratch.rglob("*") if path.is_file() and not path.name.startswith(".")
    )


def _ingest(source: str, account: str, path: Path) -> FetchedFile:
    # The end-to-end flow is composed in the warehouse app (the furthest downstream one);
    # importing it here, at call time, keeps the app graph free of an import cycle.
    from apps.warehouse.services import ingest_path

    outcome = ingest_path(
        path=path,
        source_id=source,
        account=account,
        original_name=path.name,
        origin=extractor_origin(source),
    )
    return FetchedFile(
        name=path.name,
        result=outcome.result,
        reason=outcome.reason,
        lake_file_id=outcome.lake_file_id,
    )


# --- entering a login by hand ----------------------------------------------------------------


def credential_secret_parse(*, kind: str, text: str) -> dict[str, object]:
    """The JSON object a human typed or pasted; a bare token for token kinds is wrapped."""
    text = text.strip()
    if not text:
        raise InvalidInputError("enter the secret", field_errors={"secret": ["required"]})
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data:
        return data
    field_name = BARE_VALUE_FIELD.get(kind)
    if data is None and field_name and "\n" not in text:
        return {field_name: text}
    raise InvalidInputError(
        "enter a JSON object", field_errors={"secret": ["enter a non-empty JSON object"]}
    )


def credential_enter(
    *, source: str, account: str, kind: str, secret_text: str, expires_at: datetime | None
) -> Credential:
    """Store a login a human entered; without an expiry, the source's default maximum age."""
    data = credential_secret_parse(kind=kind, text=secret_text)
    profile = SOURCE_PROFILES.get(source)
    if expires_at is None and profile is not None and profile.max_age_days is not None:
        expires_at = timezone.now() + timedelta(days=profile.max_age_days)
    credential = credential_save(
        source=source, account=account, kind=kind, data=data, expires_at=expires_at
    )
    # A fresh login ends any 2FA wait for this account.
    TwoFactorRequest.objects.filter(
        source=source, account=account, status=TwoFactorRequest.Status.PENDING
    ).update(status=TwoFactorRequest.Status.EXPIRED)
    return credential


def credentials_verify_all() -> int:
    """Verify each stored (source, account) once; returns how many were found valid."""
    pairs = sorted(set(Credential.objects.values_list("source", "account")))
    valid = 0
    for source, account in pairs:
        if source not in EXTRACTORS:
            continue
        valid += credential_verify(source=source, account=account)
    return valid

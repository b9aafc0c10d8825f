"""Health scoring (SPEC 6.2-6.4) as pure functions: facts in, an itemised score out.

Nothing here reads the database or the clock; the caller passes `now`, so every number can be
checked by hand in a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from apps.health.cadence import Ladder, Priority

PRIORITY_MULTIPLIERS: dict[Priority, Decimal] = {
    Priority.CRITICAL: Decimal("1.5"),
    Priority.HIGH: Decimal("1.2"),
    Priority.MEDIUM: Decimal("1.0"),
    Priority.LOW: Decimal("0.8"),
}
NO_DATA_BASE = 20
FAILED_RUN_BASE = 5
FAILED_RUNS_MAX_BASE = 15
CONSECUTIVE_FAILURES_THRESHOLD = 3
CONSECUTIVE_FAILURES_BASE = 10
AUTO_PAUSED_BASE = 15
REJECTED_ROWS_FRACTION_LIMIT = Decimal("0.01")
REJECTED_ROWS_BASE = 5
QUARANTINED_BASE = 10
BOTTLENECK_BASE = 10
BOTTLENECKS_MAX_BASE = 30
CRITICAL_SOURCE_STALE_BASE = 20
CRITICAL_SOURCE_STALE_FROM_BASE = 30
# An expired login costs nothing while its data is fresh and it expired at most this long ago.
EXPIRED_CREDENTIAL_GRACE = timedelta(days=7)
EXPIRING_WITHIN = timedelta(days=7)
CRITICAL_WITHIN = timedelta(days=3)
UNVERIFIED_AFTER = timedelta(days=7)


class Status(StrEnum):
    HEALTHY = "HEALTHY"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    FAILED = "FAILED"
    NOT_CONFIGURED = "NOT_CONFIGURED"


class CredentialStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    CRITICAL = "critical"
    EXPIRED = "expired"
    MISSING = "missing"
    NEEDS_RECONNECT = "needs_reconnect"
    UNKNOWN = "unknown"
    NONE = "none"  # no stored login: a manual-upload source


# Worst first; the source shows its worst account's credential.
_CREDENTIAL_RANK = [
    CredentialStatus.NEEDS_RECONNECT,
    CredentialStatus.MISSING,
    CredentialStatus.EXPIRED,
    CredentialStatus.CRITICAL,
    CredentialStatus.UNKNOWN,
    CredentialStatus.EXPIRING,
    CredentialStatus.VALID,
    CredentialStatus.NONE,
]
_LOGIN_LOST = {CredentialStatus.EXPIRED, CredentialStatus.MISSING, CredentialStatus.NEEDS_RECONNECT}


@dataclass(frozen=True)
class DatasetFacts:
    """A measured dataset, already reduced to its worst account."""

    name: str
    ladder: Ladder
    newest_date: date | None


@dataclass(frozen=True)
class CredentialFacts:
    account: str
    stored_status: str
    expires_at: datetime | None
    last_verified_at: datetime | None


@dataclass(frozen=True)
class RunFacts:
    failed_24h: int = 0
    consecutive_failures: int = 0
    last_success_at: datetime | None = None
    last_error: str = ""


@dataclass(frozen=True)
class PipelineFacts:
    last_file_rows_in: int | None = None
    last_file_rows_rejected: int | None = None
    quarantined_7d: int = 0
    bottlenecks: tuple[str, ...] = ()
    # A file reached raw but not curated, and is newer than the newest curated file: a replay
    # from raw (after a parser fix) can bring its rows in.
    has_unreplayed_raw: bool = False


@dataclass(frozen=True)
class SourceFacts:
    source: str
    priority: Priority
    is_configured: bool
    has_any_data: bool
    datasets: tuple[DatasetFacts, ...] = ()
    credentials: tuple[CredentialFacts, ...] = ()
    runs: RunFacts = field(default_factory=RunFacts)
    pipeline: PipelineFacts = field(default_factory=PipelineFacts)
    is_paused: bool = False


@dataclass(frozen=True)
class Deduction:
    rule: str
    base: int
    multiplier: Decimal
    points: int
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "base": self.base,
            "multiplier": float(self.multiplier),
            "points": self.points,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class DatasetFreshness:
    name: str
    newest_date: date | None
    age_days: int | None
    base: int


@dataclass(frozen=True)
class CredentialState:
    status: CredentialStatus
    account: str = ""
    expires_at: datetime | None = None
    last_verified_at: datetime | None = None


@dataclass(frozen=True)
class SourceScore:
    source: str
    priority: Priority
    status: Status
    score: int | None
    deductions: tuple[Deduction, ...]
    freshness: tuple[DatasetFreshness, ...]
    freshness_days: int | None
    credential: CredentialState
    bottlenecks: tuple[str, ...]
    has_unreplayed_raw: bool = False


def status_for_score(score: int) -> Status:
    if score >= 80:
        return Status.HEALTHY
    if score >= 60:
        return Status.WARNING
    if score >= 30:
        return Status.CRITICAL
    return Status.FAILED


def credential_status_effective(facts: CredentialFacts, *, now: datetime) -> CredentialStatus:
    """The SPEC 6.3 status of one stored login: the expiry date beats a stale stored status."""
    stored = facts.stored_status
    if stored in ("needs_2fa", "needs_reconnect"):
        return CredentialStatus.NEEDS_RECONNECT
    if stored == "missing":
        return CredentialStatus.MISSING
    if facts.expires_at is not None:
        left = facts.expires_at - now
        if left <= timedelta(0):
            return CredentialStatus.EXPIRED
        if left <= CRITICAL_WITHIN:
            return CredentialStatus.CRITICAL
        if left <= EXPIRING_WITHIN:
            return CredentialStatus.EXPIRING
        return CredentialStatus.VALID
    if stored == "expired":
        return CredentialStatus.EXPIRED
    if facts.last_verified_at is None or now - facts.last_verified_at > UNVERIFIED_AFTER:
        return CredentialStatus.UNKNOWN
    try:
        return CredentialStatus(stored)
    except ValueError:
        return CredentialStatus.UNKNOWN


def credential_state_worst(
    credentials: Sequence[CredentialFacts], *, now: datetime
) -> CredentialState:
    if not credentials:
        return CredentialState(status=CredentialStatus.NONE)
    states = [
        CredentialState(
            status=credential_status_effective(item, now=now),
            account=item.account,
            expires_at=item.expires_at,
            last_verified_at=item.last_verified_at,
        )
        for item in credentials
    ]
    return min(states, key=lambda state: _CREDENTIAL_RANK.index(state.status))


def freshness_list(datasets: Sequence[DatasetFacts], *, today: date) -> list[DatasetFreshness]:
    result = []
    for dataset in datasets:
        if dataset.newest_date is None:
            result.append(DatasetFreshness(dataset.name, None, None, NO_DATA_BASE))
            continue
        age = (today - dataset.newest_date).days
        result.append(
            DatasetFreshness(dataset.name, dataset.newest_date, age, dataset.ladder.base_for(age))
        )
    return result


def _worst_freshness(freshness: Sequence[DatasetFreshness]) -> DatasetFreshness | None:
    if not freshness:
        return None
    # The biggest deduction wins; among equals, the oldest data (unknown age counts as oldest).
    return max(freshness, key=lambda item: (item.base, item.age_days is None, item.age_days or 0))


def _credential_base(
    state: CredentialState, *, is_data_fresh: bool, now: datetime
) -> tuple[int, str]:
    if state.status in _LOGIN_LOST:
        recently_expired = (
            state.expires_at is not None
            and timedelta(0) <= now - state.expires_at <= EXPIRED_CREDENTIAL_GRACE
        )
        if is_data_fresh and recently_expired:
            return 0, ""
        return 30, f"credential {state.status}"
    if state.status == CredentialStatus.CRITICAL:
        return (0, "") if is_data_fresh else (15, "credential expires within 3 days")
    if state.status == CredentialStatus.UNKNOWN:
        return 15, "credential expiry unknown and not verified for 7 days"
    if state.status == CredentialStatus.EXPIRING:
        return 5, "credential expires within 7 days"
    return 0, ""


def _run_bases(runs: RunFacts, *, is_paused: bool) -> list[tuple[str, int, str]]:
    items = []
    if runs.failed_24h:
        base = min(FAILED_RUN_BASE * runs.failed_24h, FAILED_RUNS_MAX_BASE)
        items.append(("failed_runs_24h", base, f"{runs.failed_24h} failed run(s) in 24 h"))
    if is_paused:
        items.append(("auto_paused", AUTO_PAUSED_BASE, "schedule paused"))
    elif runs.consecutive_failures >= CONSECUTIVE_FAILURES_THRESHOLD:
        items.append(
            (
                "consecutive_failures",
                CONSECUTIVE_FAILURES_BASE,
                f"{runs.consecutive_failures} consecutive failed runs",
            )
        )
    return items


def _pipeline_bases(pipeline: PipelineFacts) -> list[tuple[str, int, str]]:
    items = []
    rows_in, rejected = pipeline.last_file_rows_in, pipeline.last_file_rows_rejected
    if rows_in and rejected and Decimal(rejected) / Decimal(rows_in) > REJECTED_ROWS_FRACTION_LIMIT:
        items.append(
            ("rejected_rows", REJECTED_ROWS_BASE, f"last file rejected {rejected} of {rows_in}")
        )
    if pipeline.quarantined_7d:
        items.append(
            (
                "quarantined_file",
                QUARANTINED_BASE,
                f"{pipeline.quarantined_7d} file(s) quarantined in 7 days",
            )
        )
    if pipeline.bottlenecks:
        base = min(BOTTLENECK_BASE * len(pipeline.bottlenecks), BOTTLENECKS_MAX_BASE)
        items.append(("bottleneck", base, "; ".join(pipeline.bottlenecks)))
    return items


def _freshness_bases(
    facts: SourceFacts, worst: DatasetFreshness | None
) -> list[tuple[str, int, str]]:
    if not facts.has_any_data:
        return [("no_data", NO_DATA_BASE, "the source has never produced data")]
    if worst is None or worst.base == 0:
        return []
    age = "no data" if worst.age_days is None else f"{worst.age_days} days old"
    items = [("freshness", worst.base, f"{worst.name}: {age}")]
    if facts.priority == Priority.CRITICAL and worst.base >= CRITICAL_SOURCE_STALE_FROM_BASE:
        items.append(
            ("critical_source_stale", CRITICAL_SOURCE_STALE_BASE, "critical source is stale")
        )
    return items


def source_score(facts: SourceFacts, *, now: datetime) -> SourceScore:
    """Score one source: 100 minus each itemised deduction, int(base x priority multiplier)."""
    freshness = freshness_list(facts.datasets, today=now.date()) if facts.has_any_data else []
    worst = _worst_freshness(freshness)
    credential = credential_state_worst(facts.credentials, now=now)
    if not facts.is_configured:
        return SourceScore(
            facts.source, facts.priority, Status.NOT_CONFIGURED, None, (), (), None, credential, ()
        )
    freshness_items = _freshness_bases(facts, worst)
    is_data_fresh = not freshness_items
    credential_base, credential_detail = _credential_base(
        credential, is_data_fresh=is_data_fresh, now=now
    )
    items = list(freshness_items)
    if credential_base:
        items.append(("credential", credential_base, credential_detail))
    items += _run_bases(facts.runs, is_paused=facts.is_paused)
    items += _pipeline_bases(facts.pipeline)
    multiplier = PRIORITY_MULTIPLIERS[facts.priority]
    deductions = tuple(
        Deduction(rule, base, multiplier, int(base * multiplier), detail)
        for rule, base, detail in items
    )
    score = max(0, min(100, 100 - sum(item.points for item in deductions)))
    return SourceScore(
        source=facts.source,
        priority=facts.priority,
        status=status_for_score(score),
        score=score,
        deductions=deductions,
        freshness=tuple(freshness),
        freshness_days=worst.age_days if worst else None,
        credential=credential,
        bottlenecks=facts.pipeline.bottlenecks,
        has_unreplayed_raw=facts.pipeline.has_unreplayed_raw,
    )


def overall_status(scores: Sequence[SourceScore]) -> Status:
    """SPEC 6.4 overall rule; NOT_CONFIGURED sources are left out (none scored: HEALTHY)."""
    scored = [item for item in scores if item.score is not None]
    if not scored:
        return Status.HEALTHY
    average = Decimal(sum(item.score or 0 for item in scored)) / len(scored)
    bad = sum(1 for item in scored if item.status in (Status.CRITICAL, Status.FAILED))
    if average >= 80 and bad == 0:
        return Status.HEALTHY
    if average >= 60 or bad <= 1:
        return Status.WARNING
    if average >= 30 or bad <= 2:
        return Status.CRITICAL
    return Status.FAILED

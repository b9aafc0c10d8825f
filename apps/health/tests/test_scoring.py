"""Health scoring (SPEC 6.2-6.4): exact scores for hand-checked fixtures, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apps.health.cadence import DAILY, HEALTH_SOURCE_IDS, MONTHLY_STATEMENT, Priority
from apps.health.scoring import (
    CredentialFacts,
    CredentialStatus,
    DatasetFacts,
    PipelineFacts,
    RunFacts,
    SourceFacts,
    SourceScore,
    Status,
    credential_status_effective,
    overall_status,
    source_score,
    status_for_score,
)

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def _days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _facts(**overrides: object) -> SourceFacts:
    values: dict[str, object] = {
        "source": "youtube",
        "priority": Priority.MEDIUM,
        "is_configured": True,
        "has_any_data": True,
        "datasets": (DatasetFacts("analytics", DAILY, _days_ago(1)),),
    }
    values.update(overrides)
    return SourceFacts(**values)  # type: ignore[arg-type]


def _points(score: SourceScore) -> list[tuple[str, int, int]]:
    return [(item.rule, item.base, item.points) for item in score.deductions]


def test_source_score_critical_source_stale_gets_the_extra_penalty() -> None:
    # given toolost (CRITICAL, x1.5): analytics 10 days old (over 8: base 30), sales fresh
    facts = _facts(
        source="toolost",
        priority=Priority.CRITICAL,
        datasets=(
            DatasetFacts("analytics", DAILY, _days_ago(10)),
            DatasetFacts("sales_reports", MONTHLY_STATEMENT, _days_ago(20)),
        ),
    )
    # when it is scored
    score = source_score(facts, now=NOW)
    # then 100 - int(30*1.5) - int(20*1.5) = 25: FAILED, judged by its worst dataset
    assert _points(score) == [("freshness", 30, 45), ("critical_source_stale", 20, 30)]
    assert (score.score, score.status, score.freshness_days) == (25, Status.FAILED, 10)


def test_source_score_high_priority_with_runs_and_expiring_login() -> None:
    # given spotify (HIGH, x1.2), data 3 days old, a login expiring in 5 days, 4 failures in
    # 24 h of which the last 3 in a row
    facts = _facts(
        source="spotify",
        priority=Priority.HIGH,
        datasets=(DatasetFacts("audience", DAILY, _days_ago(3)),),
        credentials=(
            CredentialFacts("zonea0", "valid", NOW + timedelta(days=5), NOW - timedelta(days=1)),
        ),
        runs=RunFacts(failed_24h=4, consecutive_failures=3),
    )
    # when it is scored
    score = source_score(facts, now=NOW)
    # then 100 - 6 (age 3 > 2) - 6 (expiring) - 18 (4 failures capped at 15) - 12 = 58
    assert _points(score) == [
        ("freshness", 5, 6),
        ("credential", 5, 6),
        ("failed_runs_24h", 15, 18),
        ("consecutive_failures", 10, 12),
    ]
    assert (score.score, score.status) == (58, Status.CRITICAL)
    assert score.credential.status == CredentialStatus.EXPIRING


@pytest.mark.parametrize(
    ("expired_days_ago", "expected_score", "expected_status"),
    [(3, 100, Status.HEALTHY), (10, 70, Status.WARNING)],
)
def test_source_score_recently_expired_login_is_free_while_data_is_fresh(
    expired_days_ago: int, expected_score: int, expected_status: Status
) -> None:
    # given fresh youtube data (1 day old) and a login that expired some days ago
    expires_at = NOW - timedelta(days=expired_days_ago)
    facts = _facts(credentials=(CredentialFacts("", "valid", expires_at, None),))
    # when it is scored
    score = source_score(facts, now=NOW)
    # then within 7 days it costs nothing; after that the full 30
    assert (score.score, score.status) == (expected_score, expected_status)
    assert score.credential.status == CredentialStatus.EXPIRED


def test_source_score_never_produced_data_and_missing_login_low_priority() -> None:
    # given metaads (LOW, x0.8) with no data at all and a missing login
    facts = _facts(
        source="metaads",
        priority=Priority.LOW,
        has_any_data=False,
        datasets=(DatasetFacts("insights", DAILY, None),),
        credentials=(CredentialFacts("", "missing", None, None),),
    )
    # when it is scored
    score = source_score(facts, now=NOW)
    # then 100 - int(20*0.8) - int(30*0.8) = 60: WARNING
    assert _points(score) == [("no_data", 20, 16), ("credential", 30, 24)]
    assert (score.score, score.status) == (60, Status.WARNING)


def test_source_score_pipeline_deductions_and_bottleneck_cap() -> None:
    # given 4 bottlenecks (capped at 30), a quarantined file and 2 of 100 rows rejected
    facts = _facts(
        pipeline=PipelineFacts(
            last_file_rows_in=100,
            last_file_rows_rejected=2,
            quarantined_7d=1,
            bottlenecks=("a", "b", "c", "d"),
        )
    )
    # when it is scored
    score = source_score(facts, now=NOW)
    # then 100 - 5 - 10 - 30 = 55
    assert _points(score) == [
        ("rejected_rows", 5, 5),
        ("quarantined_file", 10, 10),
        ("bottleneck", 30, 30),
    ]
    assert (score.score, score.status) == (55, Status.CRITICAL)


def test_source_score_paused_source_replaces_consecutive_failures() -> None:
    # given a paused source with 5 consecutive failures (0 of them in the last 24 h)
    facts = _facts(runs=RunFacts(consecutive_failures=5), is_paused=True)
    # when it is scored
    score = source_score(facts, now=NOW)
    # then only the auto-pause deduction applies: 100 - 15
    assert _points(score) == [("auto_paused", 15, 15)]
    assert score.score == 85


def test_source_score_clamps_at_zero() -> None:
    # given every deduction at once on a CRITICAL-priority source
    facts = _facts(
        priority=Priority.CRITICAL,
        has_any_data=False,
        credentials=(CredentialFacts("", "needs_2fa", None, None),),
        runs=RunFacts(failed_24h=9, consecutive_failures=9),
        pipeline=PipelineFacts(quarantined_7d=2, bottlenecks=("a", "b", "c")),
        is_paused=True,
    )
    # when it is scored; then the score stops at 0 (the deductions sum to more than 100)
    score = source_score(facts, now=NOW)
    assert sum(item.points for item in score.deductions) == 30 + 45 + 22 + 22 + 15 + 45
    assert (score.score, score.status) == (0, Status.FAILED)


def test_source_score_not_configured_has_no_score() -> None:
    score = source_score(_facts(is_configured=False, has_any_data=False), now=NOW)
    assert (score.status, score.score, score.deductions) == (Status.NOT_CONFIGURED, None, ())


@pytest.mark.parametrize(
    ("age_days", "expected_score"),
    [(2, 100), (3, 95), (4, 95), (5, 85), (8, 85), (9, 70), (15, 70), (16, 60)],
)
def test_source_score_daily_ladder_boundaries(age_days: int, expected_score: int) -> None:
    facts = _facts(datasets=(DatasetFacts("analytics", DAILY, _days_ago(age_days)),))
    assert source_score(facts, now=NOW).score == expected_score


@pytest.mark.parametrize(
    ("stored", "expires_in_days", "verified_days_ago", "expected"),
    [
        ("valid", 10, 1, CredentialStatus.VALID),
        ("valid", 6, 1, CredentialStatus.EXPIRING),
        ("valid", 2, 1, CredentialStatus.CRITICAL),
        ("valid", -1, 1, CredentialStatus.EXPIRED),
        ("expired", None, 1, CredentialStatus.EXPIRED),
        ("valid", None, 8, CredentialStatus.UNKNOWN),
        ("valid", None, 2, CredentialStatus.VALID),
        ("needs_2fa", 30, 1, CredentialStatus.NEEDS_RECONNECT),
        ("missing", None, None, CredentialStatus.MISSING),
    ],
)
def test_credential_status_effective(
    stored: str,
    expires_in_days: int | None,
    verified_days_ago: int | None,
    expected: CredentialStatus,
) -> None:
    facts = CredentialFacts(
        "",
        stored,
        None if expires_in_days is None else NOW + timedelta(days=expires_in_days),
        None if verified_days_ago is None else NOW - timedelta(days=verified_days_ago),
    )
    assert credential_status_effective(facts, now=NOW) == expected


def _scored(*values: int | None) -> list[SourceScore]:
    return [
        SourceScore(
            "x",
            Priority.MEDIUM,
            Status.NOT_CONFIGURED if value is None else status_for_score(value),
            value,
            (),
            (),
            None,
            source_score(_facts(is_configured=False), now=NOW).credential,
            (),
        )
        for value in values
    ]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((90, 85, None), Status.HEALTHY),
        ((90, 50), Status.WARNING),  # average 70 with one CRITICAL
        ((50, 50, 50, 100), Status.WARNING),  # average 62.5 beats three CRITICAL
        ((40, 40, 90), Status.CRITICAL),  # average 56.7, two CRITICAL
        ((20, 20, 20), Status.FAILED),  # average 20, three FAILED
        ((79, 79), Status.WARNING),
        ((29, 29, 100), Status.CRITICAL),  # average 52.7, two FAILED
    ],
)
def test_overall_status(scores: tuple[int | None, ...], expected: Status) -> None:
    assert overall_status(_scored(*scores)) == expected


def test_health_sources_match_the_contract_source_ids() -> None:
    from apps.sources.connectors.registry import SOURCE_IDS

    assert sorted(HEALTH_SOURCE_IDS) == sorted(SOURCE_IDS)

"""`pipeline_health`: exit codes, JSON-only output, report files, unknown service (CONTRACT 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from apps.health.models import RemediationAction
from apps.health.tests import factories
from tests.reliability.processes import database_url_of_test

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def _run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("pipeline_health", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def _healthy_spotify() -> None:
    factories.lake_file(
        source="spotify", account="zonea0", created_at=_days_ago(1), period_end=_days_ago(1).date()
    )
    factories.credential(
        source="spotify",
        account="zonea0",
        expires_at=NOW + timedelta(days=20),
        last_verified_at=_days_ago(1),
    )


def _failed_toolost() -> None:
    # analytics 10 days old (x1.5: -45 and -30 critical-source penalty): score 25
    factories.lake_file(
        source="toolost", kind="analytics", created_at=_days_ago(10), period_end=_days_ago(10)
    )
    factories.lake_file(
        source="toolost", kind="sales_report", created_at=_days_ago(20), period_end=_days_ago(20)
    )


def _critical_low_source(source: str, *, with_failures: bool = False) -> None:
    # 20 days old (-32) and an expired login (-24): 44; three failed runs in a row add -12 -8
    factories.lake_file(source=source, created_at=_days_ago(20), period_end=_days_ago(20))
    factories.credential(source=source, status="expired")
    for hours in (1, 2, 3) if with_failures else ():
        factories.task_run(source=source, status="failed", queued_at=NOW - timedelta(hours=hours))


def test_pipeline_health_healthy_exits_0_and_prints_the_table() -> None:
    # given one healthy configured source and nine without any account
    _healthy_spotify()
    # when the command runs
    code, out = _run()
    # then it exits 0, prints the row and the healthy count
    assert code == 0
    assert "spotify    HEALTHY           100 HIGH      -" in out
    assert "mailchimp  NOT_CONFIGURED      - LOW       -" in out
    assert out.strip().endswith("1/1 sources healthy; overall HEALTHY")


def test_pipeline_health_one_failed_source_is_overall_warning_exit_0() -> None:
    # given toolost FAILED (25) and spotify HEALTHY (100): average 62.5, one bad source
    _failed_toolost()
    _healthy_spotify()
    # when the command runs with JSON only
    code, out = _run("--json-only")
    document = json.loads(out)
    # then WARNING, exit 0, and the itemised deductions are in the JSON
    assert (code, document["overall_status"]) == (0, "WARNING")
    toolost = document["services"]["toolost"]
    assert (toolost["status"], toolost["score"], toolost["priority"]) == ("FAILED", 25, "CRITICAL")
    assert toolost["deductions"] == [
        {
            "rule": "freshness",
            "base": 30,
            "multiplier": 1.5,
            "points": 45,
            "detail": "analytics: 10 days old",
        },
        {
            "rule": "critical_source_stale",
            "base": 20,
            "multiplier": 1.5,
            "points": 30,
            "detail": "critical source is stale",
        },
    ]
    assert toolost["freshness"] == {
        "analytics": {"newest_date": "2025-06-05", "age_days": 10, "deduction": 30},
        "sales_reports": {"newest_date": "2025-05-26", "age_days": 20, "deduction": 0},
    }
    assert document["services"]["submithub"]["score"] is None


def test_pipeline_health_two_bad_sources_exit_1_critical() -> None:
    # given toolost 25 and metaads 44: average 34.5 with two bad sources
    _failed_toolost()
    _critical_low_source("metaads")
    # when; then CRITICAL, exit 1
    code, out = _run("--disable-auto-remediation", "--disable-notifications")
    assert code == 1
    assert "0/2 sources healthy; overall CRITICAL" in out


def test_pipeline_health_three_failed_sources_exit_2() -> None:
    # given toolost 25, metaads 24, mailchimp 24: average 24.3, three bad sources
    _failed_toolost()
    _critical_low_source("metaads", with_failures=True)
    _critical_low_source("mailchimp", with_failures=True)
    # when
    code, out = _run("--json-only", "--disable-auto-remediation", "--disable-notifications")
    document = json.loads(out)
    # then FAILED, exit 2
    assert code == 2
    assert {key: value["score"] for key, value in document["services"].items() if value["score"]}
    assert [document["services"][s]["score"] for s in ("toolost", "metaads", "mailchimp")] == [
        25,
        24,
        24,
    ]
    assert document["overall_status"] == "FAILED"


def test_pipeline_health_unknown_service_exits_3_and_writes_nothing(settings: Any) -> None:
    code, out = _run("--service", "myspace", "--report")
    assert (code, out) == (3, "")
    assert not (Path(settings.REPORTS_DIR) / "health").exists()


def test_pipeline_health_service_scores_only_that_source() -> None:
    _failed_toolost()
    _healthy_spotify()
    code, out = _run("--service", "spotify", "--json-only")
    assert (code, list(json.loads(out)["services"])) == (0, ["spotify"])


def test_pipeline_health_report_writes_json_and_html(settings: Any) -> None:
    # given a healthy source
    _healthy_spotify()
    # when the report is asked for
    _code, out = _run("--report")
    # then four files are written in REPORTS_DIR/health, and latest.json is the document
    folder = Path(settings.REPORTS_DIR) / "health"
    assert sorted(path.name for path in folder.iterdir()) == [
        "health_20250615T120000Z.html",
        "health_20250615T120000Z.json",
        "latest.html",
        "latest.json",
    ]
    latest = json.loads((folder / "latest.json").read_text())
    assert (latest["overall_status"], latest["services"]["spotify"]["score"]) == ("HEALTHY", 100)
    html = (folder / "latest.html").read_text()
    assert "<link" not in html
    assert "<script" not in html
    assert "spotify" in html
    assert "HEALTHY" in html
    assert "report written: latest.json" in out


def test_pipeline_health_disabled_remediation_lists_pending_and_sends_nothing(
    sent_tasks: list[dict[str, Any]],
) -> None:
    # given metaads with an expired login (an automatic-refresh source)
    _critical_low_source("metaads")
    # when remediation is disabled
    _, out = _run("--json-only", "--disable-auto-remediation", "--disable-notifications")
    document = json.loads(out)
    # then the refresh is listed as pending, nothing is stored and nothing was sent
    assert [(a["kind"], a["outcome"]) for a in document["remediation_actions"]] == [
        ("credential_refresh", "pending")
    ]
    assert RemediationAction.objects.count() == 0
    assert sent_tasks == []
    assert {n["outcome"] for n in document["notifications"]} == {"pending"}


def test_pipeline_health_remediation_refreshes_and_reruns_the_failed_extraction(
    sent_tasks: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    # given metaads with an expired login and a failed extraction
    _critical_low_source("metaads", with_failures=True)
    # when the check runs with remediation on (messages leave only after commit)
    with django_capture_on_commit_callbacks(execute=True):
        _run("--json-only")
    # then one refresh is sent, with the failed run's extraction linked after it
    action = RemediationAction.objects.get()
    assert (action.kind, action.outcome) == ("credential_refresh", "executed")
    assert [(task["name"], task["kwargs"], task["link"]) for task in sent_tasks] == [
        (
            "apps.sources.tasks.credential_refresh",
            {"source": "metaads", "account": ""},
            "apps.sources.tasks.source_extract",
        )
    ]
    assert action.child_run.trigger == "remediation"
    assert action.rerun_run.arguments == {"source": "metaads", "account": ""}
    assert action.rerun_run.parent_run_id == action.failed_run_id
    # and a second check within 6 hours does not refresh again
    with django_capture_on_commit_callbacks(execute=True):
        _run("--json-only")
    assert (RemediationAction.objects.count(), len(sent_tasks)) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_pipeline_health_json_only_in_a_real_process_prints_only_json_and_exits_2(
    tmp_path: Path,
) -> None:
    """The contract as a shell sees it: stdout is one JSON document (logs go to stderr), and the
    process exit status is the overall status's code."""
    # given three failed sources (the exit-2 case above), committed for another process
    _failed_toolost()
    _critical_low_source("metaads", with_failures=True)
    _critical_low_source("mailchimp", with_failures=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test(),
        "DATABASE_CONN_MAX_AGE": "0",
        "BEDROT_REPORTS_DIR": str(tmp_path / "reports"),
    }
    # when run as a command (its clock is real: the data is older still, so still FAILED)
    done = subprocess.run(
        [sys.executable, "manage.py", "pipeline_health", "--json-only", "--report"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then exit 2, stdout parses whole as the document, the logs went to stderr
    assert done.returncode == 2, done.stderr[-2000:]
    document = json.loads(done.stdout)
    assert document["overall_status"] == "FAILED"
    assert done.stdout.lstrip().startswith("{")
    assert "health_checked overall=FAILED" in done.stderr
    # and --report wrote the timestamped and latest files, JSON and HTML
    names = sorted(path.name for path in (tmp_path / "reports" / "health").iterdir())
    assert names[-2:] == ["latest.html", "latest.json"]
    assert len(names) == 4

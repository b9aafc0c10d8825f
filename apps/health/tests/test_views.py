"""The health page: staff only; ops console actions for operators only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group

from apps.health.models import SourcePause
from apps.health.tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def operator_client(client: Any, alice: Any) -> Any:
    alice.groups.add(Group.objects.get_or_create(name="operators")[0])
    client.force_login(alice)
    return client


def test_health_page_redirects_anonymous_to_login(client: Any) -> None:
    assert client.get("/health/").status_code == 302


def test_health_page_refuses_non_staff(bob_client: Any) -> None:
    assert bob_client.get("/health/").status_code == 403


def test_health_page_shows_cards_and_run_history(alice_client: Any) -> None:
    factories.lake_file(source="spotify", created_at=NOW, period_end=NOW.date())
    run = factories.task_run(source="spotify", status="failed", queued_at=NOW)
    response = alice_client.get("/health/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="source-spotify"' in html
    assert 'id="source-toolost"' in html
    assert f'data-run="{run.pk}"' in html
    # a staff member who is not an operator sees no retry button
    assert "Retry</button>" not in html


def test_health_page_runs_fragment_filters_and_shows_bad_filter_errors(alice_client: Any) -> None:
    kept = factories.task_run(source="tiktok", status="failed", queued_at=NOW)
    dropped = factories.task_run(source="spotify", status="failed", queued_at=NOW)
    html = alice_client.get(
        "/health/?fragment=runs&source=tiktok", headers={"HX-Request": "true"}
    ).content.decode()
    assert f'data-run="{kept.pk}"' in html
    assert f'data-run="{dropped.pk}"' not in html
    assert "<html" not in html
    bad = alice_client.get("/health/?status=exploded").content.decode()
    assert "status: " in bad
    assert bad.count("data-run=") == 2


def test_ops_actions_refuse_staff_who_are_not_operators(alice_client: Any) -> None:
    run = factories.task_run(source="tiktok", status="failed", queued_at=NOW)
    assert alice_client.post(f"/health/ops/runs/{run.pk}/retry/").status_code == 403
    assert alice_client.post("/health/ops/pause/", {"source": "tiktok"}).status_code == 403


def test_ops_pause_resume_and_retry_for_operators(
    operator_client: Any, sent_tasks: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    run = factories.task_run(source="tiktok", status="failed", queued_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert operator_client.post(f"/health/ops/runs/{run.pk}/retry/").status_code == 302
        assert operator_client.post("/health/ops/pause/", {"source": "tiktok"}).status_code == 302
        assert SourcePause.objects.filter(resumed_at__isnull=True).count() == 1
        assert operator_client.post("/health/ops/resume/", {"source": "tiktok"}).status_code == 302
    assert SourcePause.objects.filter(resumed_at__isnull=True).count() == 0
    assert [t["name"] for t in sent_tasks] == [
        "apps.sources.tasks.source_extract",
        "apps.sources.tasks.source_extract",
    ]
    assert operator_client.post("/health/ops/pause/", {"source": "myspace"}).status_code == 400

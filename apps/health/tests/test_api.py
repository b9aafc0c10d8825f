"""/api/health/, /api/health/runs and /api/health/credentials: staff only, exact bodies, 400s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from apps.health.tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
URLS = ["/api/health/", "/api/health/runs", "/api/health/credentials"]


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("url", URLS)
def test_health_api_refuses_anonymous_with_401(url: str, client: Any) -> None:
    assert client.get(url).status_code == 401


@pytest.mark.parametrize("url", URLS)
def test_health_api_refuses_non_staff_with_403(url: str, bob_client: Any) -> None:
    assert bob_client.get(url).status_code == 403


def test_health_list_api_returns_contract_fields(alice_client: Any) -> None:
    # given spotify with data 3 days old, a valid login and a success yesterday
    factories.lake_file(
        source="spotify", created_at=NOW - timedelta(days=3), period_end=(NOW - timedelta(3)).date()
    )
    factories.credential(
        source="spotify", expires_at=NOW + timedelta(days=30), last_verified_at=NOW
    )
    factories.task_run(source="spotify", status="succeeded", queued_at=NOW - timedelta(days=1))
    # when
    body = alice_client.get("/api/health/?service=spotify").json()
    # then
    assert body == {
        "overall_status": "HEALTHY",
        "generated_at": "2025-06-15T12:00:00+00:00",
        "results": [
            {
                "service": "spotify",
                "status": "HEALTHY",
                "score": 94,
                "last_success_at": "2025-06-14T12:00:00Z",
                "freshness_days": 3,
                "credential_status": "valid",
                "priority": "HIGH",
                "deductions": [
                    {
                        "rule": "freshness",
                        "base": 5,
                        "multiplier": 1.2,
                        "points": 6,
                        "detail": "audience: 3 days old",
                    }
                ],
            }
        ],
    }


def test_health_list_api_lists_every_source(alice_client: Any) -> None:
    body = alice_client.get("/api/health/").json()
    assert len(body["results"]) == 10
    assert {row["status"] for row in body["results"]} == {"NOT_CONFIGURED"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/health/?service=myspace", "service"),
        ("/api/health/runs?status=exploded", "status"),
        ("/api/health/runs?start=2025-13-01", "start"),
        ("/api/health/runs?start=2025-06-10&end=2025-06-01", "end"),
        ("/api/health/runs?limit=0", "limit"),
        ("/api/health/credentials?source=x", "source"),
    ],
)
def test_health_api_rejects_bad_parameters_with_field_errors(
    alice_client: Any, query: str, field: str
) -> None:
    response = alice_client.get(query)
    assert response.status_code == 400
    assert field in response.json()


def test_health_run_list_api_filters_by_status_source_and_date(alice_client: Any) -> None:
    # given three runs
    failed = factories.task_run(
        source="tiktok", status="failed", queued_at=NOW - timedelta(days=1), error_code="permanent"
    )
    factories.task_run(source="tiktok", status="succeeded", queued_at=NOW - timedelta(days=1))
    factories.task_run(source="spotify", status="failed", queued_at=NOW - timedelta(days=5))
    # when filtered
    body = alice_client.get(
        "/api/health/runs?status=failed&source=tiktok&start=2025-06-14&end=2025-06-14"
    ).json()
    # then only the failed tiktok run of that day
    assert [(row["id"], row["status"], row["error_code"]) for row in body["results"]] == [
        (failed.pk, "failed", "permanent")
    ]
    assert body["results"][0]["arguments"] == {"source": "tiktok", "account": ""}


def test_health_credential_list_api_shows_status_and_never_the_secret(alice_client: Any) -> None:
    factories.credential(
        source="toolost", kind="jwt", expires_at=NOW + timedelta(days=2), last_verified_at=NOW
    )
    body = alice_client.get("/api/health/credentials").json()
    assert body == {
        "results": [
            {
                "source": "toolost",
                "account": "",
                "kind": "jwt",
                "status": "critical",
                "stored_status": "valid",
                "expires_at": "2025-06-17T12:00:00Z",
                "last_verified_at": "2025-06-15T12:00:00Z",
                "last_extracted_at": None,
            }
        ]
    }
    assert b"ciphertext" not in alice_client.get("/api/health/credentials").content

"""The KPI answer edge repeats Django's own answer to staff tokens, byte for byte, while the
warehouse, the KPI settings and the caller's access are what they were; anything else, and every
other caller, goes through Django."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from apps.kpis import edge
from apps.kpis.models import Alert, Goal
from apps.kpis.receivers import warehouse_version_announce
from apps.kpis.selectors import warehouse_snapshot_get
from apps.kpis.services import kpi_alert_acknowledge
from apps.kpis.tests.factories import (
    StatementLineFactory,
    WarehouseLoadFactory,
    label_statements_create,
)

# Django's ASGI handler runs each request's database work in a thread of its own.
pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/revenue/platform"


@pytest.fixture(autouse=True)
def _redis_cache(settings: Any, redis_url: str) -> Iterator[None]:
    """The product's Redis cache (the edge reads its versions there), under a prefix of its own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "bedrot_site.cache.SharedPoolRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"edge-test-{uuid.uuid4().hex}",
        }
    }
    yield
    cache.delete_many(edge._VERSION_KEYS)


@pytest.fixture
def label() -> dict[str, object]:
    return label_statements_create()


class CountingDjango:
    """Django's ASGI application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.app = get_asgi_application()
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.requests += 1
        await self.app(scope, receive, send)


@pytest.fixture
def django_app() -> CountingDjango:
    return CountingDjango()


@pytest.fixture
def app(django_app: CountingDjango) -> edge.CachedAnswerEdge:
    return edge.CachedAnswerEdge(django_app, max_bytes=1 << 20)


def _token(user: Any) -> bytes:
    return Token.objects.create(user=user).key.encode()


async def _get(app: Any, path: str, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
    communicator = HttpCommunicator(app, "GET", path, headers=list(headers))
    response = await communicator.get_response(10)
    # Django closes the request (and its database connection) after the last byte is sent.
    await communicator.wait(10)
    return response


def get(app: Any, token: bytes, path: str = URL, *extra: tuple[bytes, bytes]) -> dict[str, Any]:
    return async_to_sync(_get)(app, path, *_headers(token), *extra)


def _headers(token: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"testserver"), (b"authorization", b"Token " + token)]


def _answer_kept(app: Any, user: Any) -> bytes:
    """A new token of `user`, after which the edge keeps the answer of URL (the label's load
    published its version, so the first request through Django is kept)."""
    token = _token(user)
    get(app, token)
    return token


def _spotify_usd(response: dict[str, Any]) -> str:
    rows = json.loads(response["body"])["results"]
    return next(row["revenue_usd"] for row in rows if row["platform"] == "Spotify")


def test_a_repeat_answer_is_djangos_own_response_without_django(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _token(alice)
    first = get(app, token)  # the label's load published its version: Django's answer is kept
    repeats = [get(app, token) for _ in range(3)]

    assert django_app.requests == 1
    assert first["status"] == 200
    assert _spotify_usd(first) == "9.00"
    for repeat in repeats:
        assert repeat == first
    header_names = {name.lower() for name, _ in first["headers"]}
    assert edge.ANSWER_HEADER not in header_names
    assert {b"content-type", b"vary", b"x-content-type-options"} <= header_names


def test_without_a_published_version_django_answers_and_publishes_it(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _token(alice)
    cache.delete(edge.WAREHOUSE_VERSION_KEY)  # expired, or Redis was flushed

    statuses = [get(app, token)["status"] for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert django_app.requests == 2  # the first published the version, the second was kept
    assert cache.get(edge.WAREHOUSE_VERSION_KEY) == warehouse_snapshot_get().version


def test_a_finished_load_is_never_answered_from_the_old_answer(
    app: edge.CachedAnswerEdge,
    django_app: CountingDjango,
    alice: Any,
    label: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    token = _answer_kept(app, alice)
    assert _spotify_usd(get(app, token)) == "9.00"

    with django_capture_on_commit_callbacks(execute=True):
        StatementLineFactory(
            platform=label["spotify"],
            sale_month=date(2025, 2, 1),
            quantity=50,
            earnings_usd=Decimal("10.00"),
        )
        WarehouseLoadFactory(finished_at=datetime(2025, 7, 2, 6, 0, tzinfo=UTC))
    requests_before = django_app.requests
    after = get(app, token)

    assert django_app.requests == requests_before + 1
    assert _spotify_usd(after) == "19.00"
    assert get(app, token) == after
    assert django_app.requests == requests_before + 1


def test_a_changed_goal_sends_the_next_request_through_django(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _answer_kept(app, alice)
    requests_before = django_app.requests

    Goal.objects.update_or_create(
        name=Goal.Name.MONTHLY_REVENUE, defaults={"target": Decimal("123")}
    )
    get(app, token)

    assert django_app.requests == requests_before + 1


def test_an_acknowledged_alert_is_never_answered_from_the_old_list(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _token(alice)
    alert = Alert.objects.create(
        type=Alert.Type.REVENUE, subject="label", period="2025-02", severity="high", message="m"
    )
    before = get(app, token, "/api/kpis/alerts")
    assert get(app, token, "/api/kpis/alerts") == before
    requests_before = django_app.requests

    kpi_alert_acknowledge(alert_id=alert.pk, user=alice)
    after = get(app, token, "/api/kpis/alerts")

    assert django_app.requests == requests_before + 1
    assert _acknowledged(before, alert.pk) is False
    assert _acknowledged(after, alert.pk) is True


def _acknowledged(response: dict[str, Any], alert_id: int) -> bool:
    rows = json.loads(response["body"])["results"]
    return next(row["acknowledged"] for row in rows if row["id"] == alert_id)


def test_a_revoked_token_is_refused_not_answered(
    app: edge.CachedAnswerEdge, alice: Any, label: Any
) -> None:
    token = _answer_kept(app, alice)
    assert get(app, token)["status"] == 200

    Token.objects.filter(key=token.decode()).get().delete()

    assert get(app, token)["status"] == 401


def test_non_staff_tokens_and_unknown_tokens_always_reach_django(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, bob: Any, label: Any
) -> None:
    staff = _token(alice)
    get(app, staff)
    get(app, staff)
    requests_before = django_app.requests

    statuses = [get(app, _token(bob))["status"], get(app, b"0" * 40)["status"]]

    assert statuses == [403, 401]
    assert django_app.requests == requests_before + 2


def test_requests_with_a_cookie_or_another_query_reach_django(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _answer_kept(app, alice)
    requests_before = django_app.requests

    get(app, token, URL, (b"cookie", b"sessionid=abc"))
    filtered = get(app, token, URL + "?platform=Spotify")

    assert django_app.requests == requests_before + 2
    assert filtered["status"] == 200


def test_a_stale_published_version_keeps_nothing(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _token(alice)
    edge.warehouse_version_publish("0.0.-", replace=True)  # not the database's version

    for _ in range(3):
        assert get(app, token)["status"] == 200

    assert django_app.requests == 3
    assert app.answers.size == 0


def test_concurrent_requests_for_a_new_answer_reach_django_once(
    app: edge.CachedAnswerEdge, django_app: CountingDjango, alice: Any, label: Any
) -> None:
    token = _answer_kept(app, alice)  # the edge now knows this path gives answers
    warehouse_version_announce()
    Goal.objects.update_or_create(
        name=Goal.Name.MONTHLY_REVENUE, defaults={"target": Decimal("123")}
    )
    requests_before = django_app.requests

    async def together() -> list[dict[str, Any]]:
        return await asyncio.gather(*(_get(app, URL, *_headers(token)) for _ in range(8)))

    responses = async_to_sync(together)()

    assert django_app.requests == requests_before + 1
    assert {response["body"] for response in responses} == {responses[0]["body"]}
    assert _spotify_usd(responses[0]) == "9.00"


def test_requests_arriving_together_share_one_version_read(
    app: edge.CachedAnswerEdge,
    django_app: CountingDjango,
    alice: Any,
    label: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _answer_kept(app, alice)
    reads = []
    real_read = app._read

    async def counted_read() -> Any:
        reads.append(1)
        return await real_read()

    monkeypatch.setattr(app, "_read", counted_read)

    async def together() -> list[dict[str, Any]]:
        return await asyncio.gather(*(_get(app, URL, *_headers(token)) for _ in range(8)))

    responses = async_to_sync(together)()
    get(app, token)

    assert [response["status"] for response in responses] == [200] * 8
    assert django_app.requests == 1
    assert len(reads) == 2  # one for the eight, one for the request after them


def test_the_edge_keeps_at_most_its_byte_budget() -> None:
    answers = edge._Answers(max_bytes=100)
    for name in ("a", "b", "c"):
        answers.put((name,), edge._Answer(200, [], b"x" * 40))

    assert answers.get(("a",)) is None
    assert answers.get(("b",)) is not None
    assert answers.size == 80

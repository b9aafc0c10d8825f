"""The dashboard socket: staff only, same origin only, forwards load and lake file events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import channels.db
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.health.groups import health_status_group
from apps.kpis.consumers import CLOSE_FORBIDDEN, DashboardConsumer
from apps.kpis.groups import kpi_alerts_group
from apps.lake.groups import lake_files_group
from apps.warehouse.groups import warehouse_loads_group
from apps.warehouse.models import WarehouseLoad
from bedrot_site.asgi import application

WS_PATH = "/ws/dashboard/"
SAME_ORIGIN = (b"origin", b"http://localhost")
HOST = (b"host", b"localhost")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Channels runs a consumer's database calls on this thread, inside the test transaction,
    and closes "old" connections around each one, which would end that transaction. Keeping the
    connection lets these tests roll back instead of flushing (transaction=True), which would
    also wipe the seeded reference rows that later tests rely on."""
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


def _consumer_communicator(user: Any) -> WebsocketCommunicator:
    """The consumer alone, with the user the auth middleware would have put in the scope."""
    communicator = WebsocketCommunicator(DashboardConsumer.as_asgi(), WS_PATH)
    communicator.scope["user"] = user
    return communicator


def _session_headers(user: Any, origin: bytes | None) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [HOST, (b"cookie", cookie)]
    if origin is not None:
        headers.append((b"origin", origin))
    return headers


def test_dashboard_consumer_accepts_staff_and_forwards_load_finished(alice: Any) -> None:
    # given a connected staff socket
    async def scenario() -> tuple[Any, Any]:
        communicator = _consumer_communicator(alice)
        connected, _ = await communicator.connect()
        assert connected
        hello = await communicator.receive_json_from()
        # when the warehouse announces a finished load
        await get_channel_layer().group_send(
            warehouse_loads_group(),
            {
                "type": "load.finished",
                "as_of": "2025-03-01T10:00:00+00:00",
                "load_id": 7,
                "datasets": ["statement_lines"],
            },
        )
        event = await communicator.receive_json_from()
        await communicator.disconnect()
        return hello, event

    hello, event = async_to_sync(scenario)()

    # then it first hears the current as_of (nothing loaded yet), then the load
    assert hello == {"type": "as_of", "as_of": None}
    assert event == {
        "type": "load_finished",
        "as_of": "2025-03-01T10:00:00+00:00",
        "load_id": 7,
        "datasets": ["statement_lines"],
    }


def test_dashboard_consumer_sends_current_as_of_on_connect(alice: Any) -> None:
    # given a load that finished while the page's socket was away
    finished_at = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    WarehouseLoad.objects.create(
        dataset="statement_lines", rows_upserted=3, started_at=finished_at, finished_at=finished_at
    )

    async def scenario() -> Any:
        communicator = _consumer_communicator(alice)
        await communicator.connect()
        hello = await communicator.receive_json_from()
        await communicator.disconnect()
        return hello

    # then the (re)connecting client hears the current as_of and can catch up
    assert async_to_sync(scenario)() == {"type": "as_of", "as_of": "2025-03-01T10:00:00+00:00"}


def test_dashboard_consumer_forwards_lake_file_updated(alice: Any) -> None:
    file = {"id": 3, "source": "distrokid", "status": "loaded", "rows_in": 2}

    async def scenario() -> Any:
        communicator = _consumer_communicator(alice)
        await communicator.connect()
        await communicator.receive_json_from()
        await get_channel_layer().group_send(
            lake_files_group(), {"type": "lake_file.updated", "file": file}
        )
        event = await communicator.receive_json_from()
        await communicator.disconnect()
        return event

    assert async_to_sync(scenario)() == {"type": "lake_file_updated", "file": file}


@pytest.mark.parametrize(
    ("group", "message", "forwarded"),
    [
        (
            health_status_group(),
            {"type": "health_changed", "overall_status": "degraded", "scores": {"tiktok": 70}},
            {"type": "health_changed", "overall_status": "degraded", "scores": {"tiktok": 70}},
        ),
        (
            kpi_alerts_group(),
            {"type": "alerts.changed", "created": 2, "changed": 1},
            {"type": "alerts_changed", "created": 2, "changed": 1},
        ),
    ],
    ids=["health", "alerts"],
)
def test_dashboard_consumer_forwards_health_and_alert_changes(
    alice: Any, group: str, message: dict[str, Any], forwarded: dict[str, Any]
) -> None:
    async def scenario() -> Any:
        communicator = _consumer_communicator(alice)
        await communicator.connect()
        await communicator.receive_json_from()
        await get_channel_layer().group_send(group, message)
        event = await communicator.receive_json_from()
        await communicator.disconnect()
        return event

    assert async_to_sync(scenario)() == forwarded


def test_dashboard_consumer_ignores_client_messages(alice: Any) -> None:
    # a client cannot name a group to join: whatever it sends is dropped and nothing comes back
    async def scenario() -> tuple[bool, bool]:
        communicator = _consumer_communicator(alice)
        await communicator.connect()
        await communicator.receive_json_from()
        await communicator.send_to(text_data='{"join": "health.source.tiktok"}')
        await communicator.send_to(text_data="not json")
        silent = await communicator.receive_nothing(timeout=0.2)
        await get_channel_layer().group_send(
            "health.source.tiktok", {"type": "load.finished", "as_of": None, "load_id": 1}
        )
        still_silent = await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return silent, still_silent

    assert async_to_sync(scenario)() == (True, True)


@pytest.mark.parametrize("persona", ["anonymous", "bob"])
def test_dashboard_consumer_denies_anonymous_and_non_staff(persona: str, request: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if persona == "anonymous" else request.getfixturevalue("bob")

    async def scenario() -> tuple[bool, int | None]:
        communicator = _consumer_communicator(user)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, CLOSE_FORBIDDEN)


def test_asgi_application_accepts_same_origin_staff(alice: Any) -> None:
    headers = _session_headers(alice, b"http://localhost")

    async def scenario() -> tuple[bool, Any]:
        communicator = WebsocketCommunicator(application, WS_PATH, headers=headers)
        connected, _ = await communicator.connect()
        hello = await communicator.receive_json_from() if connected else None
        await communicator.disconnect()
        return connected, hello

    assert async_to_sync(scenario)() == (True, {"type": "as_of", "as_of": None})


@pytest.mark.parametrize(
    "origin",
    [b"http://evil.example", b"http://localhost.evil.example", None],
    ids=["foreign", "lookalike", "missing"],
)
def test_asgi_application_denies_foreign_or_missing_origin(
    alice: Any, origin: bytes | None
) -> None:
    # given a valid staff session, the origin alone decides
    headers = _session_headers(alice, origin)

    async def scenario() -> bool:
        communicator = WebsocketCommunicator(application, WS_PATH, headers=headers)
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return bool(connected)

    assert async_to_sync(scenario)() is False


@pytest.mark.parametrize("persona", ["anonymous", "bob"])
def test_asgi_application_denies_anonymous_and_non_staff(persona: str, request: Any) -> None:
    headers = [HOST, SAME_ORIGIN]
    if persona == "bob":
        headers = _session_headers(request.getfixturevalue("bob"), b"http://localhost")

    async def scenario() -> tuple[bool, int | None]:
        communicator = WebsocketCommunicator(application, WS_PATH, headers=headers)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, CLOSE_FORBIDDEN)

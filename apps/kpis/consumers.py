"""Dashboard WebSocket: staff only; forwards load, lake file, alert and health announcements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.health.groups import health_status_group
from apps.kpis.groups import kpi_alerts_group
from apps.lake.groups import lake_files_group
from apps.warehouse.groups import warehouse_loads_group
from apps.warehouse.selectors import as_of_get

# Close code for a refused socket (4000-4999 are application codes); 4403 reads as "forbidden".
CLOSE_FORBIDDEN = 4403


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class DashboardConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Joins the groups a dashboard or upload page shows; a (re)connecting client gets `as_of`."""

    groups_joined: tuple[str, ...] = ()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.groups_joined = (
            warehouse_loads_group(),
            lake_files_group(),
            kpi_alerts_group(),
            health_status_group(),
        )
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        # Sent on every connect, so a client that missed a load while away catches up.
        as_of = await database_sync_to_async(as_of_get)()
        await self.send_json({"type": "as_of", "as_of": _iso(as_of)})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """The socket is one-way: anything a client sends is ignored, never parsed."""

    async def load_finished(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "load_finished",
                "as_of": event.get("as_of"),
                "load_id": event.get("load_id"),
                "datasets": event.get("datasets", []),
            }
        )

    async def lake_file_updated(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "lake_file_updated", "file": event.get("file")})

    async def alerts_changed(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "alerts_changed",
                "created": event.get("created", 0),
                "changed": event.get("changed", 0),
            }
        )

    async def health_changed(self, event: dict[str, Any]) -> None:
        # Only the fields the pages show; the health check's message carries nothing else.
        await self.send_json(
            {
                "type": "health_changed",
                "overall_status": event.get("overall_status"),
                "scores": event.get("scores", {}),
            }
        )

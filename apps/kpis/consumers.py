"""Dashboard WebSocket: staff only; forwards warehouse load announcements to the page."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.warehouse.groups import warehouse_loads_group


class DashboardConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(warehouse_loads_group(), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(warehouse_loads_group(), self.channel_name)

    async def load_finished(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "load_finished", "as_of": event.get("as_of"), "load_id": event.get("load_id")})

"""WebSocket routes; bedrot_site.asgi wraps them in the origin validator and the auth stack."""

from __future__ import annotations

from django.urls import path

from apps.kpis.consumers import DashboardConsumer

websocket_urlpatterns = [path("ws/dashboard/", DashboardConsumer.as_asgi())]

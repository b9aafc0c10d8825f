from __future__ import annotations

from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "apps.health"
    label = "health"

    def ready(self) -> None:
        # Connects the publish hook that stamps beat's messages with their send time (R28).
        from apps.health import slots  # noqa: F401

from __future__ import annotations

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "apps.kpis"
    label = "kpis"

    def ready(self) -> None:
        # Connects the alert refresh that follows every finished warehouse load.
        from apps.kpis import receivers  # noqa: F401

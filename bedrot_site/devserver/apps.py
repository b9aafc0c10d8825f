from __future__ import annotations

from django.apps import AppConfig


class DevServerConfig(AppConfig):
    name = "bedrot_site.devserver"
    label = "devserver"

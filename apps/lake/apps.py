from __future__ import annotations

from django.apps import AppConfig


class LakeConfig(AppConfig):
    name = "apps.lake"
    label = "lake"

"""`manage.py runserver` serving ASGI through Daphne (imported only when this command loads)."""

from __future__ import annotations

from daphne.management.commands.runserver import Command

__all__ = ["Command"]

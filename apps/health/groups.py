"""Channels group names owned by health."""

from __future__ import annotations


def health_status_group() -> str:
    """Every finished health check is announced here (overall status and per-source scores)."""
    return "health.status"

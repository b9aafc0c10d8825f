"""Channels group names owned by the lake."""

from __future__ import annotations


def lake_files_group() -> str:
    """Every lake file status change is announced here."""
    return "lake.files"

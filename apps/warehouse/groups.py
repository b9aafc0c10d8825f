"""Channels group names owned by the warehouse: downstream consumers subscribe to them."""

from __future__ import annotations


def warehouse_loads_group() -> str:
    """Every finished warehouse load is announced here."""
    return "warehouse.loads"

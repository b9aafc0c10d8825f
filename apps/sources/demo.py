"""The demo dataset: realistic export files the project generates itself (SPEC.md 3.6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.sources.connectors.distrokid.samples import demo_statement_files


@dataclass(frozen=True)
class DemoFile:
    source_id: str
    account: str
    name: str
    content: bytes


def demo_files(*, today: date) -> list[DemoFile]:
    """Every demo file, in the order a label would have received them, ending before `today`."""
    return [
        DemoFile("distrokid", "", name, content)
        for name, content in demo_statement_files(today=today).items()
    ]

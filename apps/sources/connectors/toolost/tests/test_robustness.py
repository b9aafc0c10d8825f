"""Arbitrary bytes end in FileRejected or a valid ParsedFile, never another exception (STYLE 7)."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.toolost.connector import TooLostConnector
from apps.sources.connectors.toolost.samples import (
    apple_analytics_bytes,
    sales_report_bytes,
    spotify_analytics_bytes,
)
from apps.sources.datasets import DATASETS

KINDS = ("analytics_spotify", "analytics_apple", "sales_report", "")
SEEDS = {
    "analytics_spotify": spotify_analytics_bytes(through=date(2025, 1, 20), seed=1),
    "analytics_apple": apple_analytics_bytes(through=date(2025, 1, 20), seed=1),
    "sales_report": sales_report_bytes(month=date(2025, 3, 1), lines=12, seed=1),
}


def assert_valid(parsed: ParsedFile) -> None:
    """Row conservation and tables typed exactly as their curated datasets."""
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert sum(table.num_rows for table in parsed.tables.values()) == parsed.rows_out
    for name, table in parsed.tables.items():
        assert table.schema.equals(DATASETS[name].schema), name
    assert all(warning.isascii() for warning in parsed.warnings)


def parse_bytes(content: bytes, kind: str) -> ParsedFile | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "capture.bin"
        path.write_bytes(content)
        payload = Payload(
            path, "capture.bin", kind=kind, captured_at=datetime(2025, 1, 22, tzinfo=UTC)
        )
        try:
            return TooLostConnector().parse(payload)
        except FileRejected:
            return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=2048), kind=st.sampled_from(KINDS))
def test_toolost_parse_turns_arbitrary_bytes_into_a_rejection_or_valid_rows(
    content: bytes, kind: str
) -> None:
    parsed = parse_bytes(content, kind)
    if parsed is not None:
        assert_valid(parsed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    kind=st.sampled_from(KINDS),
    cut=st.integers(min_value=0, max_value=4000),
    length=st.integers(min_value=0, max_value=64),
    insert=st.binary(max_size=32),
)
def test_toolost_parse_survives_damaged_real_captures(
    seed: str, kind: str, cut: int, length: int, insert: bytes
) -> None:
    # given a real-shaped capture with a slice replaced by arbitrary bytes
    original = SEEDS[seed]
    position = cut % (len(original) + 1)
    damaged = original[:position] + insert + original[position + length :]

    # then it parses into valid rows or is rejected as a whole
    parsed = parse_bytes(damaged, kind)
    if parsed is not None:
        assert_valid(parsed)

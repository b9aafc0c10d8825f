"""The generated Linktree capture parses cleanly and shows its quirks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from apps.sources.connectors.linktree.samples import SAMPLE_EMAIL, analytics_capture_json
from apps.sources.connectors.linktree.sniff import sniff_kind
from apps.sources.connectors.linktree.tests.helpers import parse_path


def test_sample_capture_has_a_ctr_above_one_and_no_personal_data(tmp_path: Path) -> None:
    content = analytics_capture_json(first_day=date(2025, 1, 1), days=30, seed=7)
    path = tmp_path / "capture.json"
    path.write_bytes(content)
    parsed = parse_path(path)
    daily = parsed.tables["linktree_daily"].to_pylist()
    assert sniff_kind(content) == "analytics"
    assert (len(daily), parsed.rejections) == (30, [])
    assert max(row["click_through_rate"] for row in daily) > 1
    assert parsed.tables["linktree_links"].num_rows == 4
    assert parsed.tables["audience_breakdowns"].num_rows == 10
    assert SAMPLE_EMAIL.encode() in content
    assert SAMPLE_EMAIL not in str([table.to_pylist() for table in parsed.tables.values()])

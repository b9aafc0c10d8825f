"""The generated YouTube payloads parse cleanly, are recognised as YouTube alone, and show their
quirks (a latency tail, a Total row, a UTF-16 table, daily views in Totals.csv)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.compute as pc

from apps.sources.connectors.registry import detect_source
from apps.sources.connectors.youtube.samples import demo_youtube_files
from apps.sources.connectors.youtube.tests.helpers import parse_path


def test_demo_youtube_files_show_their_quirks(tmp_path: Path) -> None:
    files = demo_youtube_files(today=date(2025, 4, 10))
    kinds = []
    studio_days = []
    for account, name, content in files:
        assert detect_source(content[: 64 * 1024], name) == [("youtube", _kind(content))]
        path = tmp_path / name
        path.write_bytes(content)
        parsed = parse_path(path, account=account)
        kinds.append((parsed.kind, parsed.encoding, parsed.account))
        if parsed.kind == "api_report":
            # 30 requested days: 26 rows, 1 quiet day filled with 0, 3 latency days absent
            assert (parsed.rows_in, parsed.rejections) == (27, [])
            assert parsed.captured_at == datetime(2025, 4, 10, 8, 0, tzinfo=UTC)
            assert parsed.warnings[-1].startswith("latency_days_left_absent count=3 ")
        else:
            # four videos and the Total row, which the video rows add up to, plus one
            # Totals.csv row per day of the month (March 31, February 28) whose views add up
            # to the same Total
            days = parsed.tables["youtube_daily"]
            videos = parsed.tables["youtube_video_snapshots"]
            studio_days.append(days.num_rows)
            assert (parsed.rows_in, parsed.rows_out) == (5 + days.num_rows, 4 + days.num_rows)
            assert [error.code for error in parsed.rejections] == ["control_total_row"]
            assert pc.sum(days.column("views")).as_py() == pc.sum(videos.column("views")).as_py()
    assert studio_days == [31, 28]
    assert kinds == [
        ("api_report", "utf-8", "zonea0"),
        ("studio_zip", "utf-8", "zonea0"),
        ("studio_zip", "utf-16", "zonea0"),
    ]


def _kind(content: bytes) -> str:
    return "studio_zip" if content.startswith(b"PK") else "api_report"

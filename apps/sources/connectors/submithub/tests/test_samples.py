"""The generated SubmitHub export parses cleanly and is recognised as SubmitHub alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from apps.sources.connectors.registry import detect_source
from apps.sources.connectors.submithub.samples import demo_submithub_files
from apps.sources.connectors.submithub.tests.helpers import parse_path


def test_demo_submithub_export_parses_with_every_status(tmp_path: Path) -> None:
    [(account, name, content)] = demo_submithub_files(today=date(2025, 4, 10))
    assert detect_source(content[: 64 * 1024], name) == [("submithub", "submissions")]
    path = tmp_path / name
    path.write_bytes(content)
    parsed = parse_path(path, account=account)
    submissions = parsed.tables["submithub_submissions"].to_pylist()
    assert (parsed.rows_in, parsed.rejections, len(submissions)) == (24, [], 24)
    assert {row["status"] for row in submissions} == {"approved", "declined", "expired", "pending"}
    assert submissions[0]["submitted_on"] == date(2025, 2, 24)

"""The generated Mailchimp responses parse cleanly, are recognised as Mailchimp alone, and show
their quirks (fraction vs percent rates, older growth months without counts)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from apps.sources.connectors.mailchimp.samples import SAMPLE_ADDRESS, demo_mailchimp_files
from apps.sources.connectors.mailchimp.tests.helpers import parse_path
from apps.sources.connectors.registry import detect_source


def test_demo_mailchimp_files_show_their_quirks(tmp_path: Path) -> None:
    parsed_files = {}
    for account, name, content in demo_mailchimp_files(today=date(2025, 4, 10)):
        path = tmp_path / name
        path.write_bytes(content)
        parsed = parse_path(path, account=account)
        assert detect_source(content[: 64 * 1024], name) == [("mailchimp", parsed.kind)]
        assert parsed.rejections == []
        parsed_files[parsed.kind] = parsed
    campaigns = parsed_files["api_reports"].tables["mailchimp_campaigns"].to_pylist()
    assert len(campaigns) == 4
    assert all(0 < row["open_rate"] < 1 for row in campaigns)
    snapshot = parsed_files["api_list"].tables["mailchimp_list_snapshots"].to_pylist()
    assert [(row["open_rate"], row["click_rate"]) for row in snapshot] == [(0.425, 0.0435)]
    assert SAMPLE_ADDRESS not in str(snapshot)
    months = parsed_files["api_growth"].tables["mailchimp_list_monthly"].to_pylist()
    # Oct 2018 to Apr 2025; the three 2018 months lack the newer counts
    assert (len(months), months[0]["month"], months[-1]["month"]) == (
        79,
        date(2018, 10, 1),
        date(2025, 4, 1),
    )
    assert [row["subscribed"] is None for row in months[:4]] == [True, True, True, False]

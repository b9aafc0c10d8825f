"""Mailchimp content signatures (SPEC 2.0): the content decides, never the name."""

from __future__ import annotations

import pytest

from apps.sources.connectors.mailchimp.connector import MailchimpConnector
from apps.sources.connectors.mailchimp.tests.helpers import FIXTURES


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("reports_two_campaigns_rates_as_fractions.json", "api_reports"),
        ("reports_page_without_reports.json", "api_reports"),
        ("list_stats_rates_as_percent.json", "api_list"),
        ("growth_history_dec2018_to_feb2019_older_month_without_counts.json", "api_growth"),
        ("not_mailchimp_graph_insights.json", None),
    ],
)
def test_mailchimp_sniff_recognises_content(fixture: str, kind: str | None) -> None:
    head = (FIXTURES / fixture).read_bytes()
    assert MailchimpConnector().sniff(head, "mailchimp.json") == kind


@pytest.mark.parametrize(
    "head",
    [b"", b"reports,history\n1,2\n", b'["reports"]', b'{"stats": {"views": 1}}'],
)
def test_mailchimp_sniff_ignores_other_content(head: bytes) -> None:
    assert MailchimpConnector().sniff(head, "mailchimp_reports.json") is None

"""SubmitHub sniffing is conservative: only a header matching the alias table's required fields."""

from __future__ import annotations

import pytest

from apps.sources.connectors.submithub.connector import SubmitHubConnector
from apps.sources.connectors.submithub.tests.helpers import FIXTURES


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("submissions_guessed_layout_four_statuses.csv", "submissions"),
        ("submissions_with_id_other_aliases_semicolons.csv", "submissions"),
        ("link_analytics_utm_columns.csv", "link_analytics"),
        ("submissions_headers_not_recognised.csv", None),
    ],
)
def test_submithub_sniff_recognises_its_headers(fixture: str, kind: str | None) -> None:
    assert SubmitHubConnector().sniff((FIXTURES / fixture).read_bytes(), "x.csv") == kind


@pytest.mark.parametrize(
    "head",
    [
        # a DistroKid-like statement: artist and title, but no outlet or status
        b"Reporting Date,Sale Month,Store,Artist,Title,ISRC,Quantity,Earnings (USD)\n",
        # artist, track and outlet without a status column
        b"Date,Artist,Track,Outlet,Curator\n2025-03-02,ZONE A0,NOCTURNES,Blog,Ann\n",
        # a TikTok-like overview
        b"Date,Video Views,Profile Views,Likes,Comments,Shares\n",
        b'{"reports": []}',
        b"",
        b"\xff\xfeD\x00a\x00",
    ],
)
def test_submithub_sniff_claims_nothing_else(head: bytes) -> None:
    assert SubmitHubConnector().sniff(head, "submithub_export.csv") is None

"""The revenue page (the first dashboard): access, the numbers, htmx fragments, filter errors
and pagination."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from apps.kpis.tests.factories import StatementLineFactory, label_statements_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FRAGMENT_IDS = ["revenue-cards", "table-platform", "table-monthly", "statement-lines"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def label() -> dict[str, Any]:
    return label_statements_create()


@pytest.fixture
def frozen_today() -> Any:
    with time_machine.travel(datetime(2025, 7, 20, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _json_script(html: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def _text(html: str) -> str:
    """The page's visible text with whitespace collapsed, for asserting figures."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_dashboard_page_redirects_anonymous_to_login(client: Any) -> None:
    response = client.get("/?platform=Spotify")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/%3Fplatform%3DSpotify"


def test_dashboard_page_forbids_non_staff(bob_client: Any) -> None:
    assert bob_client.get("/").status_code == 403
    assert bob_client.get("/?fragment=cards", **HTMX).status_code == 403


def test_dashboard_page_shows_the_revenue_kpis(
    alice_client: Any, label: dict[str, Any], frozen_today: Any, django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 snapshot + 4 summary + 2 platforms/artists + 2 monthly + track (2: grouped
    # lines, track names), distributor, territory tables + 2 lines page (count, rows) + 1 review
    # flags + 3 filter choices + 2 net revenue per artist (artist x track slices, splits)
    with django_assert_num_queries(28):
        response = alice_client.get("/revenue/")

    html = response.content.decode()
    text = _text(html)
    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == ["kpis/page.html", "base.html"]
    assert "HX-Request" in response["Vary"]
    assert "Total revenue (USD) 11.16" in text
    assert "Units 3,550" in text
    assert "Revenue per unit (USD) 0.0031" in text
    assert "Artists / tracks 2 / 3" in text
    assert "Top artist ZONE A0" in text
    assert _json_script(html, "table-platform-chart-data") == {
        "labels": ["Spotify", "Apple Music", "YouTube"],
        "revenue": ["9.00", "1.20", "0.956789"],
    }
    assert _json_script(html, "table-monthly-chart-data") == {
        "labels": ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07"],
        "revenue": ["6.55", "4.606789", "0.00", "0.00", "0.00", "0.00", "0.00"],
        "expected": ["0.00", "6.55", *["5.5783945"] * 5],
        "status": ["reported", "reported", "late", "pending", "pending", "pending", "pending"],
    }
    # the chart figures also exist as tables; the month without a basis says so
    assert "Spotify 9.00 2,550 0.0035 6" in text
    assert "2025-01 6.55 2,100 no rate basis reported" in text
    assert "2025-03 0.00 0 5.58 late" in text
    # statement lines, newest reporting date first; the unresolved artist is flagged
    assert "Page 1 of 1 (10 lines)" in text
    assert text.index("2025-05-05 2025-02 TooLost Spotify") < text.index("2025-03-05 2025-01")
    assert "(unassigned) Unknown Title" in text
    # as_of in the footer, from the newest warehouse load
    assert '<time datetime="2025-07-01T06:00:00+00:00">2025-07-01 06:00 UTC</time>' in html


def test_dashboard_page_wires_the_live_updates_and_has_no_inline_script(
    alice_client: Any, label: dict[str, Any]
) -> None:
    html = alice_client.get("/revenue/?platform=Spotify").content.decode()

    assert '<div id="dashboard-live" hx-ext="ws" ws-connect="/ws/dashboard/">' in html
    for element_id, fragment, datasets in [
        ("revenue-cards", "cards", "statement_lines"),
        ("table-platform", "platform", "statement_lines"),
        ("table-monthly", "monthly", "statement_lines"),
        ("table-distributor", "distributor", "statement_lines streams_daily"),
    ]:
        tag = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', html)
        assert tag, element_id
        assert f'hx-get="/revenue/?fragment={fragment}&amp;platform=Spotify"' in tag.group(0)
        # live.js sends bedrot:refresh to the fragments whose datasets were loaded (the cards
        # also hear of new alerts)
        assert re.search(r'hx-trigger="bedrot:refresh(, bedrot:alerts-changed from:body)?"', tag[0])
        assert f'data-datasets="{datasets}"' in tag.group(0)
        assert 'hx-swap="outerHTML"' in tag.group(0)
    as_of = re.search(r'<span id="as-of"[^>]*>', html)
    assert as_of
    assert 'hx-get="/revenue/?fragment=as_of&amp;platform=Spotify"' in as_of.group(0)
    assert 'hx-trigger="bedrot:load-finished from:body"' in as_of.group(0)
    assert 'hx-get="/revenue/?fragment=lines&amp;platform=Spotify&amp;page=1"' in html
    # the CSP allows no inline script: every script is a file or a JSON data block
    for script in re.findall(r"<script[^>]*>", html):
        assert " src=" in script or 'type="application/json"' in script, script
    assert " style=" not in html


def test_dashboard_page_returns_only_the_requested_fragment_to_htmx(
    alice_client: Any, label: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # 2 auth + 1 platform lookup + 1 snapshot + 4 summary: nothing the cards do not show
    with django_assert_num_queries(9):
        response = alice_client.get("/revenue/?fragment=cards&platform=spotify", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert html.lstrip().startswith('<section id="revenue-cards"')
    assert "<html" not in html
    assert "Total revenue (USD) 9.00" in _text(html)
    assert "table-platform" not in html


@pytest.mark.parametrize(
    ("fragment", "element_id"),
    [
        ("platform", "table-platform"),
        ("monthly", "table-monthly"),
        ("lines", "statement-lines"),
        ("as_of", "as-of"),
    ],
)
def test_dashboard_page_renders_each_fragment_on_its_own(
    alice_client: Any, label: dict[str, Any], fragment: str, element_id: str
) -> None:
    html = alice_client.get(f"/revenue/?fragment={fragment}", **HTMX).content.decode()

    assert html.lstrip().startswith(f'<section id="{element_id}"') or html.lstrip().startswith(
        f'<span id="{element_id}"'
    )
    assert "<html" not in html


def test_dashboard_page_swaps_the_body_for_a_filter_change(
    alice_client: Any, label: dict[str, Any]
) -> None:
    response = alice_client.get("/revenue/?distributor=toolost&start=&end=", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="page-body">')
    assert "<html" not in html
    assert all(f'id="{element_id}"' in html for element_id in FRAGMENT_IDS)
    assert "Total revenue (USD) 2.60" in _text(html)
    assert '<option value="toolost" selected>TooLost</option>' in html


def test_dashboard_page_restores_history_with_the_whole_page(
    alice_client: Any, label: dict[str, Any]
) -> None:
    response = alice_client.get(
        "/revenue/?fragment=cards", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )

    assert "<html" in response.content.decode()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"start": "2025-03-01", "end": "2025-02-01"},
            '<span id="filter-end-error" class="error">end must be on or after start.</span>',
        ),
        (
            {"platform": "Napster", "artist": "ZONE A0"},
            '<span id="filter-platform-error" class="error">'
            "Unknown platform &#x27;Napster&#x27;.</span>",
        ),
        (
            {"start": "01/02/2025"},
            '<span id="filter-start-error" class="error">Date has wrong format. '
            "Use one of these formats instead: YYYY-MM-DD.</span>",
        ),
    ],
    ids=["inverted", "platform", "date"],
)
def test_dashboard_page_shows_filter_errors_in_the_filter_bar(
    alice_client: Any,
    label: dict[str, Any],
    headers: dict[str, str],
    params: dict[str, str],
    error: str,
) -> None:
    response = alice_client.get("/revenue/", params, **headers)

    html = response.content.decode()
    assert response.status_code == 200
    assert error in html
    # the filter bar keeps what was typed
    assert all(f'value="{value}"' in html for value in params.values())
    assert html.count('aria-invalid="true"') == 1
    assert "Correct the filters above to see the figures." in html
    assert "table-platform-chart-data" not in html


def test_dashboard_page_paginates_statement_lines(alice_client: Any, label: dict[str, Any]) -> None:
    # given 55 more lines reported on 2025-06-01, newer than the label's
    for _ in range(55):
        StatementLineFactory(
            platform=label["spotify"],
            sale_month=date(2025, 3, 1),
            reporting_date=date(2025, 6, 1),
            quantity=1,
            earnings_usd=Decimal("0.01"),
        )

    first = _text(
        alice_client.get("/revenue/?fragment=lines&artist=(unassigned)", **HTMX).content.decode()
    )
    second_html = alice_client.get(
        "/revenue/?fragment=lines&artist=(unassigned)&page=2", **HTMX
    ).content.decode()
    second = _text(second_html)

    # 55 new unassigned lines + line 8 = 56: 50 on page 1, 6 on page 2
    assert "Page 1 of 2 (56 lines)" in first
    assert "Page 2 of 2 (56 lines)" in second
    assert second.count("(unassigned) Unknown Title") == 6
    assert "2025-04-10 2025-02 DistroKid YouTube" in second
    assert 'hx-get="/revenue/?fragment=lines&amp;artist=%28unassigned%29&amp;page=1"' in second_html
    assert 'hx-push-url="/revenue/?artist=%28unassigned%29&amp;page=1"' in second_html


def test_dashboard_page_without_any_load(alice_client: Any) -> None:
    html = alice_client.get("/revenue/").content.decode()

    assert "No warehouse load yet" in html
    assert "Total revenue (USD) 0.00" in _text(html)
    # monthly, platform, distributor, artist, track, territory and the statement lines
    assert html.count("No statement lines in this selection.") == 7

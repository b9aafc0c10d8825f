"""The dashboard pages: access, real numbers from a fixture warehouse, fragments and CSV export."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from apps.kpis.models import Alert, Goal
from apps.kpis.tests.factories import PlatformFactory, StatementLineFactory
from apps.kpis.tests.page_warehouse import page_warehouse_create
from apps.warehouse.models import EmailCampaign, ListSnapshot, Submission, Track

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGES = ["/", "/revenue/", "/streaming/", "/marketing/", "/audience/", "/payments/", "/alerts/"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def warehouse() -> dict[str, Any]:
    return page_warehouse_create()


@pytest.fixture
def frozen_today() -> Any:
    with time_machine.travel(datetime(2025, 7, 20, 12, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def _text(html: str) -> str:
    """The visible text with whitespace collapsed, for asserting figures (chart data blocks and
    canvas fallbacks left out)."""
    html = re.sub(r"<(script|canvas)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _json_script(html: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def _section(html: str, element_id: str) -> str:
    """The visible text of one `<section id=...>` of the page."""
    match = re.search(rf'<section id="{element_id}".*?</section>', html, re.DOTALL)
    assert match, f"no section {element_id}"
    return _text(match.group(0))


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_pages_redirect_anonymous_to_login(client: Any, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_pages_forbid_non_staff(bob_client: Any, url: str) -> None:
    assert bob_client.get(url).status_code == 403
    assert bob_client.get(f"{url}?fragment=cards", **HTMX).status_code == 403


def test_csv_export_forbids_non_staff_and_anonymous(client: Any, bob: Any) -> None:
    anonymous = client.get("/revenue/?format=csv&table=platform")
    client.force_login(bob)
    forbidden = client.get("/revenue/?format=csv&table=platform")

    assert anonymous.status_code == 302
    assert forbidden.status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_with_nav_filter_bar_and_as_of(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any, url: str
) -> None:
    response = alice_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert f'<a href="{url}" aria-current="page">' in html
    for link in ["/lake/", "/health/", "/lake/upload/"]:
        assert f'href="{link}"' in html
    assert '<form id="page-filters"' in html
    assert '<time datetime="2025-07-01T06:00:00+00:00">2025-07-01 06:00 UTC</time>' in html
    # the CSP allows no inline script or style: every script is a file or a JSON data block
    for script in re.findall(r"<script[^>]*>", html):
        assert " src=" in script or 'type="application/json"' in script, script
    assert " style=" not in html


# --- revenue ----------------------------------------------------------------------------------


def test_revenue_page_shows_platform_and_artist_tables(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/revenue/").content.decode()

    assert _section(html, "table-platform") == (
        "Revenue by platform Download CSV "
        "Figures as a table Platform Revenue (USD) Units Per unit (USD) Lines "
        "Spotify 9.00 2,550 0.0035 6 "
        "Apple Music 1.20 200 0.0060 1 "
        "YouTube 0.96 800 0.0012 3"
    )
    artist = _section(html, "table-artist")
    assert "ZONE A0 6.75" in artist
    assert "PIG1987 3.95" in artist
    assert "(unassigned) 0.46" in artist


def test_revenue_page_filter_change_swaps_the_body_with_new_numbers(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    response = alice_client.get("/revenue/?distributor=toolost&start=&end=", **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="page-body">')
    assert "<html" not in html
    assert "Total revenue (USD) 2.60" in _text(html)
    assert _section(html, "table-platform").endswith("Spotify 2.60 650 0.0040 2")
    # the fragment URLs and the CSV links keep the filter, so a refresh or a download match it
    assert 'href="/revenue/?format=csv&amp;table=platform&amp;distributor=toolost"' in html
    assert 'hx-get="/revenue/?fragment=platform&amp;distributor=toolost"' in html


def test_revenue_page_flags_unreviewed_platforms(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    PlatformFactory(name="Napster Plus", is_reviewed=False)

    html = alice_client.get("/revenue/?fragment=review", **HTMX).content.decode()

    assert _text(html) == (
        "Needs review ( open the review queue ): "
        "platforms from unknown store names: Napster Plus. "
        "1 line with no resolved artist (0.46 USD in this selection)."
    )
    assert 'href="/warehouse/review/"' in html


def test_overview_shows_goal_progress(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    Goal.objects.update_or_create(name="monthly_revenue", defaults={"target": Decimal(5)})
    Goal.objects.update_or_create(name="spotify_followers", defaults={"target": Decimal(1000)})

    html = alice_client.get("/?fragment=goals", **HTMX).content.decode()

    # 2025-02 (latest reported) earned 4.61 of 5 USD: 92 %; no July streams yet against the
    # seeded 200,000; 125 of 1,000 followers: 12 %
    assert _text(html) == (
        "Goals Edit targets "
        "monthly_revenue on_track 4.61 / 5.00 USD 92 % "
        "monthly_streams at_risk 0 / 200,000 0 % "
        "spotify_followers at_risk 125 / 1,000 12 %"
    )
    assert '<progress max="1" value="0.921358"' in html


# --- CSV export -------------------------------------------------------------------------------


def test_csv_export_writes_the_table_with_bom_crlf_and_a_dated_name(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    response = alice_client.get(
        "/revenue/?format=csv&table=platform&start=2025-01-01&end=2025-06-30"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="bedrot_revenue_platform_2025-01-01_2025-06-30.csv"'
    )
    assert (
        response.content
        == (
            "\ufeffPlatform,Revenue (USD),Units,Per unit (USD),Lines\r\n"
            "Spotify,9.00,2550,0.003529411765,6\r\n"
            "Apple Music,1.20,200,0.006,1\r\n"
            "YouTube,0.956789,800,0.00119598625,3\r\n"
        ).encode()
    )


def test_csv_export_escapes_formulas_in_text_but_not_negative_numbers(
    alice_client: Any, frozen_today: Any
) -> None:
    # given unknown stores that became platforms named like formulas, one line negative
    for name, earnings in [("=HYPERLINK(1)", "-0.50"), ("-Store, Inc", "1.25"), ("@x", "0")]:
        StatementLineFactory(
            platform=PlatformFactory(name=name, is_reviewed=False),
            quantity=1,
            earnings_usd=earnings,
        )

    response = alice_client.get("/revenue/?format=csv&table=platform")

    assert response["Content-Disposition"] == 'attachment; filename="bedrot_revenue_platform.csv"'
    assert response.content.decode("utf-8-sig").split("\r\n") == [
        "Platform,Revenue (USD),Units,Per unit (USD),Lines",
        '"\'-Store, Inc",1.25,1,1.25,1',
        "'@x,0.00,1,0.00,1",
        "'=HYPERLINK(1),-0.50,1,-0.50,1",
        "",
    ]


def test_csv_export_rejects_bad_filters_and_unknown_tables(
    alice_client: Any, warehouse: dict[str, Any]
) -> None:
    bad = alice_client.get("/revenue/?format=csv&table=platform&start=2025-13-01")
    unknown = alice_client.get("/revenue/?format=csv&table=secrets")

    assert bad.status_code == 400
    assert bad.json() == {
        "start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    }
    assert unknown.status_code == 404


# --- payment status ---------------------------------------------------------------------------


def test_payments_page_shows_the_delay_histogram_and_platform_medians(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/payments/").content.decode()

    # 6 lines reported 2 months after their sale month (Jan->Mar, Feb->Apr), 4 after 3
    assert _section(html, "table-delays").endswith(
        "Figures as a table Delay (months) Lines Share 2 6 60.0 % 3 4 40.0 %"
    )
    # Spotify: 2, 3, 3, 2, 2, 3 -> 2.5; Apple Music: 2; YouTube: 2, 2, 3 -> 2
    assert _section(html, "table-platform-delays") == (
        "Median delay per platform Download CSV Platform Median delay (months) "
        "Apple Music 2.0 Spotify 2.5 YouTube 2.0"
    )
    assert "Median delay 2.0 months" in _text(html)


# --- overview ---------------------------------------------------------------------------------


def test_overview_cards_show_trends_against_the_previous_period(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/").content.decode()

    cards = _section(html, "revenue-cards")
    # 2025-02 (latest reported) 4.606789 vs 2025-01 6.55: -29.7 %
    assert "Revenue 2025-02 (USD) 4.61 ▼ -29.7 % vs previous" in cards
    # per unit 4.606789 / 1450 vs 6.55 / 2100: +1.9 %
    assert "Revenue per unit 2025-02 (USD) 0.0032 ▲ +1.9 % vs previous" in cards
    # 2025-06-21..07-20 holds every stream and all spend; the 30 days before hold none: "—"
    assert "Streams, last 30 days 4,200 — vs previous" in cards
    assert "Ad spend, last 30 days (USD) 15.50 — vs previous" in cards
    assert "Spotify followers 125 —" in cards
    assert "Open alerts 0 not yet acknowledged" in cards
    assert "Total revenue (USD) 11.16" in cards


def test_overview_shows_streams_by_platform_and_the_last_alerts(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    Alert.objects.create(
        type="streaming", subject="label", period="2025-W26", severity="warning",
        message="Weekly streams fell 25 %",
    )  # fmt: skip

    html = alice_client.get("/").content.decode()

    assert _json_script(html, "table-streams-chart-data") == {
        "labels": ["2025-06-28", "2025-06-29", "2025-06-30"],
        "series": [
            {"label": "Apple Music", "data": [0, 300, 350]},
            {"label": "Spotify", "data": [1000, 1400, 1150]},
        ],
    }
    assert "warning streaming · 2025-W26 Weekly streams fell 25 %" in _section(
        html, "latest-alerts"
    )
    assert "Open alerts 1 not yet acknowledged" in _section(html, "revenue-cards")


# --- streaming, marketing, audience -----------------------------------------------------------


def test_streaming_page_shows_totals_realtime_tiles_and_splits(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/streaming/").content.decode()

    assert _section(html, "revenue-cards") == (
        "Total streams 4,200 Daily average 1,400.0 Days 2025-06-28 to 2025-06-30"
    )
    # latest complete day 2025-06-30 vs 06-29, summed over distributors
    assert _section(html, "realtime-tiles") == (
        "Latest complete day vs the day before "
        "Apple Music · 2025-06-30 350 ▲ +16.7 % +50 vs 300 the day before "
        "Spotify · 2025-06-30 1,150 ▼ -17.9 % -250 vs 1,400 the day before"
    )
    assert _section(html, "table-by-platform").endswith("Spotify 3,550 Apple Music 650")
    assert _section(html, "table-by-distributor").endswith("distrokid 3,750 toolost 450")


def test_streaming_page_filter_by_distributor_and_dates_changes_the_numbers(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get(
        "/streaming/?distributor=distrokid&start=2025-06-29&end=2025-06-30", **HTMX
    ).content.decode()

    assert _section(html, "revenue-cards") == (
        "Total streams 2,750 Daily average 1,375.0 Days 2025-06-29 to 2025-06-30"
    )


def test_marketing_page_shows_campaign_rates_and_roas(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/marketing/").content.decode()

    # CTR 25 / 1500, CPC 15.50 / 25, CPM 15.50 / 1500 * 1000
    assert _section(html, "table-campaigns").endswith(
        "ZONE A0 - THE SCALE - US 18-34 120000000001 ZONE A0 THE SCALE US 18-34 "
        "15.50 1,500 25 800 max_daily 1.7 % 0.62 10.33"
    )
    # ZONE A0's revenue 6.75 over 15.50 spend
    assert _section(html, "table-artists").endswith("ZONE A0 15.50 1,500 25 6.75 0.44x")


def test_marketing_page_shows_release_roas_with_a_window_selector(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/marketing/?artist=ZONE+A0").content.decode()
    none = alice_client.get("/marketing/?artist=ZONE+A0&window=0", **HTMX).content.decode()

    # THE SCALE spends 06-29 and 06-30. Only 2025-01 and 2025-02 are reported, so May, June and
    # July use its run-rate (4.70 + 2.80) / 2 = 3.75 a month. 28 days: 06-29..07-28 = 2/30 +
    # 28/31 of it = 3.64; baseline 05-30..06-28 = 2/31 + 28/30 of it = 3.74.
    assert _section(html, "table-releases").endswith(
        "THE SCALE ZONE A0 ZONE A0 - THE SCALE - US 18-34 15.50 2025-06-29 2025-07-28 3.64 3.74 "
        "0.23x -0.01x provisional — — 0.00"
    )
    assert '<option value="28" selected>28 days</option>' in html
    assert '<input type="hidden" name="artist" value="ZONE A0">' in html
    # 0 days: 06-29..06-30 and 06-27..06-28, both 2/30 of 3.75
    assert _section(none, "table-releases").startswith("ROAS per release, 0-day attribution")
    assert _section(none, "table-releases").endswith(
        "15.50 2025-06-29 2025-06-30 0.25 0.25 0.02x 0.00x provisional — — 0.00"
    )
    assert '<option value="0" selected>0 days</option>' in none


def test_marketing_page_shows_submithub_and_audience_page_mailchimp(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    Submission.objects.create(
        submission_key="s1", submitted_on=date(2025, 6, 1), track_title="The Scale",
        track=Track.objects.get(title="THE SCALE"), artist=warehouse["zone"],
        status="approved", shares=4, cost_usd=Decimal("3.00"),
    )  # fmt: skip
    Submission.objects.create(
        submission_key="s2", submitted_on=date(2025, 6, 2), track_title="The Scale",
        track=Track.objects.get(title="THE SCALE"), artist=warehouse["zone"],
        status="declined", shares=0, cost_usd=Decimal("1.00"),
    )  # fmt: skip
    EmailCampaign.objects.create(
        campaign_id="c1", list_id="L1", send_time=datetime(2025, 6, 5, tzinfo=UTC),
        emails_sent=800, unique_opens=200, unique_clicks=20, unsubscribed=2,
    )  # fmt: skip
    ListSnapshot.objects.create(list_id="L1", captured_on=date(2025, 6, 30), member_count=900)

    marketing = alice_client.get("/marketing/").content.decode()
    audience = alice_client.get("/audience/").content.decode()

    # 1 of 2 approved, 4.00 over 4 shares
    assert _section(marketing, "table-submithub").endswith(
        "THE SCALE ZONE A0 2 1 50.0 % 4 4.00 1.00"
    )
    # 200 / 800 opens, 20 / 800 clicks
    assert _section(audience, "table-mailchimp").endswith(
        "L1 1 800 200 25.0 % 20 2.5 % 2 0 900 2025-06-30"
    )


def test_marketing_csv_writes_rates_as_fractions(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    response = alice_client.get("/marketing/?format=csv&table=artists")

    assert response.content.decode("utf-8-sig").split("\r\n") == [
        "Artist,Spend (USD),Impressions,Clicks,Revenue (USD),ROAS",
        "ZONE A0,15.50,1500,25,6.75,0.435484",
        "",
    ]


def test_audience_page_shows_tiktok_spotify_and_linktree(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/audience/").content.decode()

    # engagement (150 + 15 + 15) / 3000 = 6.0 %
    assert _section(html, "table-tiktok").endswith("zonea0 ZONE A0 3,000 100 150 15 15 6.0 % 1,500")
    assert _section(html, "table-spotify").endswith("ZONE A0 zonea0 2025-06-30 320 550 125")
    # 100 clicks / 150 views
    assert _section(html, "linktree-cards") == (
        "Linktree views 150 Linktree clicks 100 Click-through rate 66.7 % "
        "clicks / views; can exceed 100 %"
    )


# --- payment status ---------------------------------------------------------------------------


def test_payments_page_shows_the_ledger_and_the_api_figures(
    alice_client: Any, warehouse: dict[str, Any], frozen_today: Any
) -> None:
    html = alice_client.get("/payments/").content.decode()
    api = alice_client.get("/api/revenue/ledger").json()["results"]

    ledger = _section(html, "table-ledger")
    # 2025-01 at DistroKid: lines 1-4 (3.50 + 1.20 + 0.75 - 0.50); 3-month default delay + 10 days
    assert "2025-01 distrokid reported 2025-05-10 4 4.95 0.00" in ledger
    assert api[0]["sale_month"] == "2025-01"
    assert api[0]["distributor"] == "distrokid"
    # earned but unreported = the expected revenue of the API's pending and late rows
    unreported = sum(
        Decimal(row["expected_revenue_usd"]) for row in api if row["status"] != "reported"
    )
    assert f"Earned but unreported (USD) {unreported:,.2f}" in _section(html, "delay-cards")


# --- alerts -----------------------------------------------------------------------------------


@pytest.fixture
def revenue_alert() -> Alert:
    return Alert.objects.create(
        type="revenue", subject="label", period="2025-02", severity="high",
        message="=Revenue fell by 1.94 USD",
    )  # fmt: skip


def test_alerts_page_lists_open_alerts_and_acknowledges_one(
    alice_client: Any, alice: Any, revenue_alert: Alert
) -> None:
    page = _text(alice_client.get("/alerts/").content.decode())
    response = alice_client.post(f"/alerts/{revenue_alert.pk}/acknowledge/", **HTMX)
    after = _text(alice_client.get("/alerts/").content.decode())
    acknowledged = _text(alice_client.get("/alerts/?state=acknowledged").content.decode())

    assert "1 alert Download CSV high revenue · 2025-02 =Revenue fell by 1.94 USD" in page
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<li id="alert-{revenue_alert.pk}"')
    assert "Acknowledged" in _text(response.content.decode())
    assert "by alice" in _text(response.content.decode())
    revenue_alert.refresh_from_db()
    assert revenue_alert.acknowledged_by == alice
    assert "0 alerts No alerts here." in after
    assert "1 alert" in acknowledged


def test_alert_acknowledge_refuses_get_non_staff_and_unknown_ids(
    client: Any, bob: Any, alice: Any, revenue_alert: Alert
) -> None:
    url = f"/alerts/{revenue_alert.pk}/acknowledge/"
    anonymous = client.post(url)
    client.force_login(bob)
    forbidden = client.post(url)
    client.force_login(alice)
    wrong_method = client.get(url)
    unknown = client.post("/alerts/999999/acknowledge/")

    assert anonymous.status_code == 302
    assert forbidden.status_code == 403
    assert wrong_method.status_code == 405
    assert unknown.status_code == 404
    revenue_alert.refresh_from_db()
    assert revenue_alert.acknowledged_at is None


def test_alerts_csv_escapes_a_message_that_looks_like_a_formula(
    alice_client: Any, revenue_alert: Alert
) -> None:
    response = alice_client.get("/alerts/?format=csv&table=alerts&state=all")

    rows = response.content.decode("utf-8-sig").split("\r\n")
    assert response["Content-Disposition"] == 'attachment; filename="bedrot_alerts_alerts.csv"'
    assert rows[0] == "Created,Type,Severity,Subject,Period,Message,Acknowledged"
    assert rows[1].endswith(",revenue,high,label,2025-02,'=Revenue fell by 1.94 USD,")


# --- live refresh wiring ----------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_fragment_refreshes_itself_live(
    alice_client: Any, warehouse: dict[str, Any], url: str
) -> None:
    html = alice_client.get(f"{url}?platform=Spotify").content.decode()

    assert '<div id="dashboard-live" hx-ext="ws" ws-connect="/ws/dashboard/">' in html
    sections = re.findall(r"<section id=\"[^\"]+\"[^>]*>", html)
    assert sections
    for tag in sections:
        # plus, for alert lists and cards, the alert announcements
        assert re.search(r'hx-trigger="bedrot:refresh(, bedrot:alerts-changed from:body)?"', tag)
        assert "data-datasets=" in tag, tag
        assert 'hx-swap="outerHTML"' in tag, tag
        assert re.search(r'hx-get="' + re.escape(url) + r"\?fragment=\w+", tag), tag


def test_filter_change_pushes_a_clean_shareable_url(
    alice_client: Any, warehouse: dict[str, Any]
) -> None:
    response = alice_client.get(
        "/streaming/?start=&end=2025-06-30&artist=&platform=Spotify&distributor=", **HTMX
    )

    assert response["HX-Push-Url"] == "/streaming/?end=2025-06-30&platform=Spotify"

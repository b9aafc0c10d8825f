"""Marketing API pages: insight rows (strings, percents, actions) and ad objects."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.metaads.samples import api_page_bytes, insight_row
from apps.sources.connectors.metaads.tests.conftest import WriteFile
from apps.sources.connectors.metaads.tests.helpers import (
    columns,
    non_null,
    parse_fixture,
    parse_path,
)

CAMPAIGN = "120215551234567001"
ADSET_US = "120215551234567101"
ADSET_BR = "120215551234567102"


def test_parse_insights_reads_string_metrics_percent_ctr_and_actions() -> None:
    # given a level=adset, time_increment=1 page (with a `paging.next` the parser ignores)
    # when it is parsed
    parsed = parse_fixture("insights_adset_daily_usd_page1.json")

    # then each row is one day of one ad set, metrics typed, ctr a fraction, actions a map
    assert (parsed.kind, parsed.schema_id, parsed.rows_in, parsed.rows_out) == (
        "api_insights",
        "meta_api_insights",
        3,
        3,
    )
    assert (parsed.rejections, parsed.warnings) == ([], [])
    common = {
        "campaign_key": CAMPAIGN,
        "ad_id": "",
        "grain": "adset",
        "campaign_id": CAMPAIGN,
        "campaign_name": "ZONE A0 - THE SCALE",
        "currency": "USD",
        "attribution_setting": "7d_click_1d_view",
        "source_kind": "api_insights",
    }
    assert non_null(parsed.tables["meta_ads_daily"]) == [
        {
            **common,
            "date": date(2025, 5, 20),
            "adset_id": ADSET_US,
            "adset_name": "US 18-34",
            "spend": Decimal("3.41"),
            "spend_usd": Decimal("3.41"),
            "impressions": 412,
            "reach": 380,
            "frequency": 1.084211,
            "clicks_all": 19,
            "link_clicks": 14,
            "actions": '{"LandingPageView":9,"LinkClick":14,"Purchase":1,'
            '"onsite_conversion.custom_7431":2}',
            "ctr": 0.0461165,
            "link_ctr": 0.03398058,
            "landing_page_views": 9,
        },
        {
            **common,
            "date": date(2025, 5, 20),
            "adset_id": ADSET_BR,
            "adset_name": "BR 18-24 «reels»",
            "spend": Decimal("1.07"),
            "spend_usd": Decimal("1.07"),
            "impressions": 230,
            "reach": 221,
            "frequency": 1.040724,
            "clicks_all": 4,
            # no inline_link_clicks: the LinkClick action stands in
            "link_clicks": 3,
            "actions": '{"LinkClick":3}',
            "ctr": 0.0173913,
        },
        {
            **common,
            "date": date(2025, 5, 21),
            "adset_id": ADSET_US,
            "adset_name": "US 18-34",
            "spend": Decimal("2.50"),
            "spend_usd": Decimal("2.50"),
            "impressions": 300,
            "reach": 290,
            "clicks_all": 10,
            "ctr": 0.03333333,
        },
    ]


def test_parse_insights_puts_month_and_lifetime_reach_in_periods() -> None:
    # given campaign reach for May and for the lifetime (date_start != date_stop), no spend
    # when it is parsed
    parsed = parse_fixture("insights_campaign_month_and_lifetime_reach.json")

    # then the windows stay windows, never a made-up day
    assert list(parsed.tables) == ["meta_ads_periods"]
    assert columns(
        parsed.tables["meta_ads_periods"], "period_start", "period_end", "grain", "reach", "spend"
    ) == [
        (date(2025, 5, 1), date(2025, 5, 31), "campaign", 5120, None),
        (date(2025, 3, 14), date(2025, 5, 31), "campaign", 9800, None),
    ]


def test_parse_insights_at_ad_grain_in_idr_warns_no_fx_rate() -> None:
    # given an ad-level row billed in IDR
    # when it is parsed
    parsed = parse_fixture("insights_ad_level_idr.json")

    # then ids are exact 18-digit text at every level and spend_usd waits for a rate
    assert columns(
        parsed.tables["meta_ads_daily"],
        "grain",
        "campaign_key",
        "adset_id",
        "ad_id",
        "ad_name",
        "currency",
        "spend",
        "spend_usd",
        "ctr",
    ) == [
        ("ad", "120219990000000001", "120219990000000101", "120219990000000201", "Vídeo «1» 🐷",
         "IDR", Decimal(152300), None, 0.015),
    ]  # fmt: skip
    assert parsed.warnings == ["row 1: no FX rate for 'IDR'; spend_usd left null for review"]


def test_parse_insights_rejects_bad_rows_by_field(write_file: WriteFile) -> None:
    # given 40 good rows and two bad ones: a spend that is not a number, no date_start
    good = [
        insight_row(day="2025-05-20", campaign_id=f"1202155512345670{n:02}", campaign_name="C",
                    spend="1.00")
        for n in range(40)
    ]  # fmt: skip
    bad_spend = insight_row(day="2025-05-20", campaign_id="1", campaign_name="C", spend="1,00")
    no_campaign = insight_row(day="2025-05-20", campaign_id="2", campaign_name="C", spend="1")
    del no_campaign["date_start"]
    path = write_file(api_page_bytes([*good, bad_spend, no_campaign, "not an object"]), "p.json")

    # when it is parsed (3 of 43 would be too many: the last is left out below)
    with pytest.raises(FileRejected):
        parse_path(path)
    path = write_file(api_page_bytes([*good, bad_spend, no_campaign]), "p.json")
    parsed = parse_path(path)

    # then each bad row is rejected naming its field, and the rows balance
    assert [(e.row, e.column, e.code, e.message) for e in parsed.rejections] == [
        (41, "spend", "invalid_number", "spend '1,00' is not a number"),
        (42, "date_start", "missing_value", "date_start is missing"),
    ]
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections) == 42


def test_parse_insights_without_account_currency_keeps_rows_for_review(
    write_file: WriteFile,
) -> None:
    # given a hand-made page whose rows name no account_currency (SPEC 2.5 never requires it)
    rows = [
        insight_row(day=day, campaign_id="120210000000000001", campaign_name="THE SCALE",
                    spend=spend)
        for day, spend in (("2025-07-04", "3.41"), ("2025-07-05", "2.59"))
    ]  # fmt: skip
    for row in rows:
        del row["account_currency"]
    path = write_file(api_page_bytes(rows), "p.json")

    # when it is parsed
    parsed = parse_path(path)

    # then no row is rejected: spend is read as USD (6.00 in all), the currency stays unknown
    assert parsed.rejections == []
    assert parsed.rows_in == parsed.rows_out == 2
    daily = parsed.tables["meta_ads_daily"].to_pylist()
    assert [(r["date"], r["spend"], r["spend_usd"], r["currency"]) for r in daily] == [
        (date(2025, 7, 4), Decimal("3.41"), Decimal("3.41"), None),
        (date(2025, 7, 5), Decimal("2.59"), Decimal("2.59"), None),
    ]
    assert parsed.warnings == [
        "row 1: account_currency missing; spend read as USD",
        "row 2: account_currency missing; spend read as USD",
    ]


def test_parse_insights_discards_an_id_in_scientific_notation(write_file: WriteFile) -> None:
    # given a row whose campaign id went through a spreadsheet
    row = insight_row(day="2025-05-20", campaign_id="1.20216E+17", campaign_name="THE SCALE",
                      spend="1")  # fmt: skip
    path = write_file(api_page_bytes([row]), "p.json")

    # when it is parsed
    parsed = parse_path(path)

    # then the row keeps loading under its name, with the warning
    assert columns(parsed.tables["meta_ads_daily"], "campaign_key", "campaign_id") == [
        ("name:the scale", None)
    ]
    assert parsed.warnings == [
        "row 1: ID precision lost in 'campaign_id' ('1.20216E+17' discarded; matched by name)"
    ]


def test_parse_api_page_with_no_rows_is_an_empty_insights_file(write_file: WriteFile) -> None:
    # given a page for a window with no delivery
    parsed = parse_path(write_file(api_page_bytes([]), "p.json"), kind="api_insights")

    # then nothing is loaded and nothing is wrong
    assert (parsed.kind, parsed.rows_in, parsed.tables) == ("api_insights", 0, {})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b'{"data": ', "content is not valid JSON: Expecting value: line 1 column 10 (char 9)"),
        (b"[1, 2]", "not a Marketing API page: expected an object with a data[] list"),
        (b'{"data": {}}', "not a Marketing API page: expected an object with a data[] list"),
        pytest.param(
            b"[" * 100_000,
            "content is not valid JSON: maximum recursion depth exceeded while decoding a JSON "
            "array from a unicode string",
            id="deep-nesting",
        ),
    ],
)
def test_parse_api_page_rejects_what_is_not_a_page(
    write_file: WriteFile, content: bytes, message: str
) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_path(write_file(content, "p.json"))
    assert rejected.value.message == message


def test_parse_api_page_rejects_an_error_payload_with_its_code() -> None:
    # given the body of an expired-token answer saved as a page
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("api_error_token_expired.json")

    # then it is quarantined naming the Graph error code
    assert rejected.value.message.startswith("API error payload, not data: code 190 ")


def test_parse_entities_converts_minor_units_timestamps_and_keeps_targeting() -> None:
    # given a page of ad sets: budgets in cents, an offset without a colon, nested targeting
    # when it is parsed
    parsed = parse_fixture("entities_adsets_minor_units_targeting.json")

    # then budgets are currency units, times UTC instants, targeting compact JSON text
    assert (parsed.kind, parsed.schema_id) == ("api_entities", "meta_api_entities")
    assert non_null(parsed.tables["meta_entities"]) == [
        {
            "entity_type": "adset",
            "entity_id": ADSET_US,
            "name": "US 18-34",
            "account_id": "1234567890",
            "campaign_id": CAMPAIGN,
            "status": "ACTIVE",
            "effective_status": "ACTIVE",
            "daily_budget": Decimal("5.00"),
            "lifetime_budget": Decimal(0),
            "start_time": datetime(2025, 5, 19, 17, 0, tzinfo=UTC),
            "created_time": datetime(2025, 5, 19, 5, 15, 41, tzinfo=UTC),
            "updated_time": datetime(2025, 5, 23, 13, 57, 56, tzinfo=UTC),
            "targeting": '{"age_max":34,"age_min":18,"geo_locations":{"countries":["US","CA"],'
            '"location_types":["home","recent"]},"instagram_positions":["stream","reels"],'
            '"publisher_platforms":["facebook","instagram"]}',
        }
    ]
    assert parsed.warnings == ["budgets read with offset 100: the objects name no currency"]


def test_parse_entities_tells_campaigns_ad_sets_and_ads_apart() -> None:
    # given the campaigns page and the ads page
    campaigns = parse_fixture("entities_campaigns.json").tables["meta_entities"]
    ads = parse_fixture("entities_ads.json").tables["meta_entities"]

    # then the type comes from the parent ids each object carries
    assert columns(
        campaigns, "entity_type", "entity_id", "objective", "daily_budget", "lifetime_budget"
    ) == [
        ("campaign", CAMPAIGN, "OUTCOME_TRAFFIC", Decimal(25), None),
        ("campaign", "120215551234567002", "OUTCOME_ENGAGEMENT", None, Decimal(1000)),
    ]
    assert columns(campaigns, "stop_time") == [
        (None,),
        (datetime(2025, 4, 30, 21, 59, 59, tzinfo=UTC),),
    ]
    assert columns(ads, "entity_type", "entity_id", "adset_id", "campaign_id", "name") == [
        ("ad", "120215551234567201", ADSET_US, CAMPAIGN, "THE SCALE - reel 1 🎧")
    ]


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("USD", Decimal("5.00")),
        ("EUR", Decimal("5.00")),
        ("IDR", Decimal(500)),
        ("JPY", Decimal(500)),
    ],
)
def test_parse_entities_uses_the_currency_offset(
    write_file: WriteFile, currency: str, expected: Decimal
) -> None:
    # given an ad set whose page names its account currency
    obj = {"id": ADSET_US, "campaign_id": CAMPAIGN, "daily_budget": "500", "currency": currency}
    path = write_file(json.dumps({"data": [obj]}).encode(), "adsets.json")

    # when it is parsed; then IDR and JPY have no minor unit, the others have cents
    table = parse_path(path, kind="api_entities").tables["meta_entities"]
    assert columns(table, "currency", "daily_budget") == [(currency, expected)]


def test_parse_entities_rejects_a_timestamp_without_an_offset(write_file: WriteFile) -> None:
    objects = [{"id": f"12021555123456{n:04}", "objective": "OUTCOME_TRAFFIC"} for n in range(30)]
    objects.append({"id": "1", "objective": "X", "created_time": "2025-05-23T06:57:56"})
    parsed = parse_path(write_file(json.dumps({"data": objects}).encode(), "c.json"))
    assert [(e.row, e.column, e.code) for e in parsed.rejections] == [
        (31, "created_time", "invalid_date")
    ]

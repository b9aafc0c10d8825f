"""MetaAdsConnector through the registry: content decides the parser, and the demo files load."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.sources.connectors.base import Payload
from apps.sources.connectors.metaads.connector import MetaAdsConnector
from apps.sources.connectors.metaads.samples import demo_files
from apps.sources.connectors.metaads.tests.conftest import WriteFile
from apps.sources.connectors.metaads.tests.helpers import FIXTURES, columns
from apps.sources.connectors.registry import connector_for
from apps.sources.datasets import DATASETS
from apps.sources.datasets_meta import meta_datasets


def test_registry_knows_metaads_and_its_datasets() -> None:
    assert isinstance(connector_for("metaads"), MetaAdsConnector)
    assert {spec.name: spec.natural_key for spec in meta_datasets()} == {
        "meta_ads_daily": ("date", "campaign_key", "adset_id", "ad_id"),
        "meta_ads_periods": (
            "period_start",
            "period_end",
            "grain",
            "campaign_key",
            "adset_id",
            "ad_id",
        ),
        "meta_entities": ("entity_type", "entity_id"),
    }
    assert all(DATASETS[spec.name] == spec for spec in meta_datasets())


@pytest.mark.parametrize("claimed", ["", "ads_manager_xlsx", "api_insights", "api_entities"])
def test_parse_goes_by_content_whatever_kind_is_claimed(claimed: str) -> None:
    # given a CSV export under any claimed kind
    path = FIXTURES / "campaigns_daily_eur_no_fx_rate.csv"

    # when the connector parses it
    parsed = connector_for("metaads").parse(
        Payload(path=path, original_name="x.json", kind=claimed)
    )

    # then the CSV parser read it
    assert (parsed.kind, parsed.rows_out) == ("ads_manager_csv", 3)


def test_demo_files_show_the_summary_row_18_digit_ids_and_copy_names(
    write_file: WriteFile,
) -> None:
    # given the demo's Meta files
    files = demo_files()

    # when each is sniffed and parsed as the demo loader does
    connector = MetaAdsConnector()
    parsed = {
        name: connector.parse(Payload(path=write_file(content, name), original_name=name))
        for name, content in files.items()
    }
    kinds = {name: connector.sniff(content, name) for name, content in files.items()}

    # then the export's summary row balances its three campaigns, "- Copy" names included
    export = parsed["BEDROT-ADS-Campaigns-Jul-1-2025-Jul-31-2025.csv"]
    assert kinds == {
        "BEDROT-ADS-Campaigns-Jul-1-2025-Jul-31-2025.csv": "ads_manager_csv",
        "meta_insights_2025-08-03.json": "api_insights",
    }
    assert [e.code for e in export.rejections] == ["summary_row"]
    assert columns(export.tables["meta_ads_periods"], "campaign_key", "campaign_name", "spend") == [
        ("120210987654321001", "ZONE A0 - THE SCALE - STREAMING", Decimal("41.27")),
        ("120210987654321002", "ZONE A0 - THE SCALE - STREAMING - Copy", Decimal("12.50")),
        ("120210987654321003", "PIG1987 - MUD SEASON - Copy 2", Decimal("8.03")),
    ]
    insights = parsed["meta_insights_2025-08-03.json"]
    assert (insights.rows_in, insights.rows_out) == (6, 6)

"""The stream datasets are registered with SPEC 3.5's natural keys and month partitions."""

from __future__ import annotations

from apps.sources.datasets import DATASETS


def test_stream_datasets_have_spec_keys_columns_and_date_partitions() -> None:
    specs = {
        name: DATASETS[name]
        for name in ("streams_daily", "distributor_track_totals", "discovery_fees_monthly")
    }
    assert {name: spec.natural_key for name, spec in specs.items()} == {
        "streams_daily": ("date", "distributor", "platform"),
        # "isrc or title" is one key column, track_key
        "distributor_track_totals": (
            "captured_on",
            "distributor",
            "platform",
            "window",
            "track_key",
        ),
        "discovery_fees_monthly": ("distributor", "month"),
    }
    assert {name: spec.schema.names for name, spec in specs.items()} == {
        "streams_daily": ["date", "distributor", "platform", "streams"],
        "distributor_track_totals": [
            "captured_on",
            "distributor",
            "platform",
            "window",
            "track_key",
            "isrc",
            "track_title",
            "release_title",
            "streams",
        ],
        "discovery_fees_monthly": ["distributor", "month", "streams", "fees_usd"],
    }
    assert {name: spec.partition_column for name, spec in specs.items()} == {
        "streams_daily": "date",
        "distributor_track_totals": "captured_on",
        "discovery_fees_monthly": "month",
    }
    assert (
        str(specs["discovery_fees_monthly"].schema.field("fees_usd").type) == "decimal128(24, 12)"
    )

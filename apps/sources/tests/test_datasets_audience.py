"""The audience dataset specs: natural keys and partitions exactly as SPEC 3.5."""

from __future__ import annotations

import subprocess
import sys

from apps.sources.datasets import DATASETS
from apps.sources.datasets_audience import audience_datasets


def test_audience_datasets_are_registered_with_the_spec_keys() -> None:
    keys = {spec.name: (spec.natural_key, spec.partition_column) for spec in audience_datasets()}
    assert keys == {
        "spotify_audience_daily": (("account", "date"), "date"),
        "spotify_song_windows": (("account", "song_key", "window", "captured_on"), "captured_on"),
        "spotify_song_daily": (("account", "song_key", "date"), "date"),
        "linktree_daily": (("account", "date"), "date"),
        "linktree_links": (("link_id", "captured_on"), "captured_on"),
        "audience_breakdowns": (
            ("source", "account", "captured_on", "dimension", "bucket"),
            "captured_on",
        ),
    }
    assert all(DATASETS[name].natural_key == key for name, (key, _) in keys.items())


def test_audience_datasets_import_in_either_order() -> None:
    # given a fresh interpreter; when the audience module is imported before datasets.py
    code = (
        "import apps.sources.datasets_audience as a, apps.sources.datasets as d; "
        "assert 'linktree_daily' in d.DATASETS"
    )
    # then the import cycle between the two modules does not break
    subprocess.run([sys.executable, "-c", code], check=True)

"""Demo DistroKid stream-chart pages (SPEC 2.1, 3.6): the Spotify page's amCharts config with
its trailing comma, and the Apple Music page's `chartData` object with unsorted days and a count
written as a string. The counts are DistroKid's share of the demo year (demo_world.py); the page
shapes are the site's."""

from __future__ import annotations

import json
import random
from datetime import date

from apps.sources.demo_world import demo_world


def spotify_chart_page(*, today: date, seed: int = 1987) -> bytes:
    """The Spotify stats page: the trailing 365 days, a trailing comma after the last point."""
    world = demo_world(today, seed)
    points = list(zip(world.days, world.distrokid_spotify, strict=True))
    provider = "".join(
        f'\t\t\t{{"category": "{day.isoformat()}", "column-1": {count}}},\n'
        for day, count in points
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Stats | DistroKid</title>\n</head>\n<body>\n<h1>Streams on Spotify</h1>\n"
        '<div id="trend365day" class="chartdiv"></div>\n<script type="text/javascript">\n'
        'var chart365 = AmCharts.makeChart("trend365day",\n\t{\n'
        '\t\t"type": "serial",\n\t\t"categoryField": "category",\n'
        '\t\t"dataDateFormat": "YYYY-MM-DD",\n\t\t"id": "trend365day",\n'
        '\t\t"graphs": [{"id": "AmGraph-1", "valueField": "column-1"}],\n'
        f'\t\t"dataProvider": [\n{provider}\t\t]\n\t}}\n);\n</script>\n</body>\n</html>\n'
    ).encode()


def apple_chart_page(*, today: date, seed: int = 1987) -> bytes:
    """The Apple Music stats page: days out of order, one count as a string, a trailing comma."""
    world = demo_world(today, seed)
    points = list(zip(world.days, world.distrokid_apple, strict=True))
    random.Random(seed + 1).shuffle(points)
    cells = [
        {"field": day.isoformat(), "value": str(count) if index == 0 else count}
        for index, (day, count) in enumerate(points)
    ]
    series = "".join(json.dumps(cell, separators=(",", ":")) + "," for cell in cells)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Apple Music Stats | DistroKid</title>\n</head>\n<body>\n<h1>Apple Music</h1>\n"
        '<div id="trend365day" class="chartdiv"></div>\n<script type="text/javascript">\n'
        f'var chartData = {{\n\t"last365days": [{series}],\n}};\n'
        'AmCharts.makeChart("trend365day", {\n\t"type": "serial",\n\t"id": "trend365day",\n'
        '\t"categoryField": "field",\n\t"graphs": [{"valueField": "value", "type": "column"}],\n'
        '\t"dataProvider": chartData.last365days\n});\n</script>\n</body>\n</html>\n'
    ).encode()


def demo_chart_files(*, today: date, seed: int = 1987) -> list[tuple[str, str, bytes]]:
    """Both chart pages as (account, arrival name, content)."""
    return [
        (
            "",
            f"distrokid_spotify_stats_{today:%Y%m%d}.html",
            spotify_chart_page(today=today, seed=seed),
        ),
        (
            "",
            f"distrokid_apple_stats_{today:%Y%m%d}.html",
            apple_chart_page(today=today, seed=seed),
        ),
    ]

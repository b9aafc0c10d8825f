"""YouTube Studio export headers, detected by their text (SPEC 2.7): Studio writes one column
per ticked metric, in the order ticked, so positions mean nothing and names mean everything.

The tables are data: a renamed or localised header is one more alias, not a code change.
Headers compare after `text_key` (NFKC, BOM and NBSP removed, spaces collapsed, casefolded).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.sources.connectors.rowbook import shown, text_key

# `youtube_video_snapshots` field -> the header texts that carry it, preferred first.
TABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "video_id": ("content", "video id"),
    "title": ("video title", "title"),
    "published_on": ("video publish time", "publish time"),
    "duration_s": ("duration", "duration (seconds)"),
    "views": ("views",),
    "watch_time_hours": ("watch time (hours)",),
    "subscribers": ("subscribers", "subscribers (net)"),
    "impressions": ("impressions",),
    "impressions_ctr": ("impressions click-through rate (%)",),
    "estimated_revenue_usd": ("estimated revenue (usd)", "your estimated revenue (usd)"),
}
REQUIRED_TABLE_FIELDS = ("video_id", "views")
# Columns Studio offers that the snapshot does not keep: recognised, so they are not drift.
KNOWN_UNKEPT_HEADERS = frozenset(
    {
        "likes",
        "dislikes",
        "shares",
        "comments added",
        "subscribers gained",
        "subscribers lost",
        "average view duration",
        "average percentage viewed (%)",
        "engaged views",
        "unique viewers",
        "rpm (usd)",
        "cpm (usd)",
        "playback-based cpm (usd)",
        "stayed to watch (%)",
    }
)
# Columns whose video rows add up to the `Total` row (a rate or a duration does not).
ADDITIVE_FIELDS = (
    "views",
    "watch_time_hours",
    "subscribers",
    "impressions",
    "estimated_revenue_usd",
)
# `Totals.csv` and the provisional `Chart data.csv` are read for their dates only.
DATE_HEADERS = ("date", "day")
TOTAL_LABEL = "total"


@dataclass(frozen=True)
class TableHeader:
    """Field -> column position, the header texts as written, and headers nobody reads."""

    positions: dict[str, int]
    texts: tuple[str, ...]
    unknown: tuple[str, ...]

    def label(self, field: str) -> str:
        """The header text of a field as the file wrote it, for messages."""
        return self.texts[self.positions[field]].strip()


def match_table_header(cells: tuple[str, ...]) -> TableHeader | None:
    """The header when `cells` carry every required field, else None."""
    keys = [text_key(cell) for cell in cells]
    positions: dict[str, int] = {}
    for field, aliases in TABLE_FIELDS.items():
        position = _first_position(keys, aliases)
        if position is not None:
            positions[field] = position
    if not all(field in positions for field in REQUIRED_TABLE_FIELDS):
        return None
    used = set(positions.values())
    unknown = tuple(
        cell.strip()
        for position, (cell, key) in enumerate(zip(cells, keys, strict=True))
        if position not in used and key and key not in KNOWN_UNKEPT_HEADERS
    )
    return TableHeader(positions=positions, texts=cells, unknown=unknown)


def _first_position(keys: list[str], aliases: tuple[str, ...]) -> int | None:
    """The column of the most preferred alias present (a later alias never hides an earlier)."""
    for alias in aliases:
        if alias in keys:
            return keys.index(alias)
    return None


def date_position(cells: tuple[str, ...]) -> int | None:
    keys = [text_key(cell) for cell in cells]
    return _first_position(keys, DATE_HEADERS)


def table_header_mismatch(found: tuple[str, ...]) -> str:
    """What a non-matching `Table data.csv` header had, and what is required."""
    required = "; ".join(
        f"{field} (one of: {', '.join(TABLE_FIELDS[field])})" for field in REQUIRED_TABLE_FIELDS
    )
    headers = ", ".join(shown(cell.strip()) for cell in found if cell.strip()) or "none"
    return f"Table data.csv header not recognised; headers found: {headers}; required: {required}"

"""The TikTok CSV layouts as header-alias tables, and how a header picks its layout (SPEC 2.4).

Headers are compared folded (accents dropped, case folded, spaces collapsed), so Title case,
trailing spaces (`Website clicks `), NBSP and the Portuguese labels are known variants, not
drift. A new column is accepted (noted as `schema_changed`; in Studio's overview it is kept in
`extras`); a missing required column quarantines the file with a message listing the missing,
the unexpected and the expected columns (SPEC 3.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import shown
from apps.sources.connectors.tiktok.dates import fold

LEGACY_OVERVIEW = "legacy_overview"
LEGACY_FOLLOWER_HISTORY = "legacy_follower_history"
LEGACY_VIEWERS = "legacy_viewers"
LEGACY_GENDER = "legacy_gender"
LEGACY_TERRITORIES = "legacy_territories"
STUDIO_OVERVIEW = "studio_overview"
STUDIO_CONTENT = "studio_content"
STUDIO_FOLLOWERS = "studio_followers"


@dataclass(frozen=True)
class Layout:
    name: str
    # Folded header -> column name; several spellings may name one column.
    aliases: dict[str, str]
    required: tuple[str, ...]
    # Columns whose header is written as the vendor does, for messages.
    expected: tuple[str, ...]
    # Folded header prefixes of columns read on purpose never (`Difference in followers...`).
    ignored_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeaderMatch:
    layout: Layout
    # Column name -> field position.
    positions: dict[str, int]
    # Position and header as written of every column the layout does not know.
    unknown: tuple[tuple[int, str], ...] = field(default=())
    missing_optional: tuple[str, ...] = field(default=())


_DATE = {"date": "date", "data": "date"}

LAYOUTS: dict[str, Layout] = {
    LEGACY_OVERVIEW: Layout(
        name=LEGACY_OVERVIEW,
        aliases={
            **_DATE,
            "video views": "video_views",
            "visualizacoes de video": "video_views",
            # The old export called video views `reach` (SPEC 2.4).
            "reach": "video_views",
            "profile views": "profile_views",
            "visualizacoes do perfil": "profile_views",
            "likes": "likes",
            "curtidas": "likes",
            "comments": "comments",
            "comentarios": "comments",
            "shares": "shares",
            "compartilhamentos": "shares",
        },
        required=("date", "video_views", "profile_views", "likes", "comments", "shares"),
        expected=("Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"),
    ),
    LEGACY_FOLLOWER_HISTORY: Layout(
        name=LEGACY_FOLLOWER_HISTORY,
        aliases={**_DATE, "followers": "followers", "seguidores": "followers"},
        required=("date", "followers"),
        expected=("Date", "Followers", "Difference in followers from previous day"),
        # Known to be shifted by a day: the daily change is derived from Followers instead.
        ignored_prefixes=("difference", "diferenca"),
    ),
    LEGACY_VIEWERS: Layout(
        name=LEGACY_VIEWERS,
        aliases={
            **_DATE,
            "total viewers": "total_viewers",
            "new viewers": "new_viewers",
            "returning viewers": "returning_viewers",
        },
        required=("date", "total_viewers", "new_viewers", "returning_viewers"),
        expected=("Date", "Total Viewers", "New Viewers", "Returning Viewers"),
    ),
    LEGACY_GENDER: Layout(
        name=LEGACY_GENDER,
        aliases={
            "gender": "bucket",
            "genero": "bucket",
            "distribution": "share",
            "distribuicao": "share",
        },
        required=("bucket", "share"),
        expected=("Gender", "Distribution"),
    ),
    LEGACY_TERRITORIES: Layout(
        name=LEGACY_TERRITORIES,
        aliases={
            "top territories": "bucket",
            "principais territorios": "bucket",
            "distribution": "share",
            "distribuicao": "share",
        },
        required=("bucket", "share"),
        expected=("Top territories", "Distribution"),
    ),
    STUDIO_OVERVIEW: Layout(
        name=STUDIO_OVERVIEW,
        aliases={
            "date": "date",
            "video views": "video_views",
            "reached audience": "reached_audience",
            "profile views": "profile_views",
            "likes": "likes",
            "shares": "shares",
            "comments": "comments",
            "website clicks": "website_clicks",
            "net growth": "net_followers",
            "new followers": "new_followers",
            "lost followers": "lost_followers",
        },
        required=("date", "video_views", "reached_audience", "profile_views"),
        expected=(
            "Date",
            "Video views",
            "Reached audience",
            "Profile views",
            "Likes",
            "Shares",
            "Comments",
            "Website clicks",
            "Net growth",
            "New followers",
            "Lost followers",
        ),
    ),
    STUDIO_CONTENT: Layout(
        name=STUDIO_CONTENT,
        aliases={
            "video title": "title",
            "post time": "posted_at",
            "video views": "views",
            "likes": "likes",
            "comments": "comments",
            "shares": "shares",
            "add to favorites": "favorites",
            "video link": "video_link",
        },
        required=("title", "views", "video_link"),
        expected=(
            "Video title",
            "Post time",
            "Video views",
            "Likes",
            "Comments",
            "Shares",
            "Add to Favorites",
            "Video link",
        ),
    ),
    STUDIO_FOLLOWERS: Layout(
        name=STUDIO_FOLLOWERS,
        aliases={
            "date": "date",
            "new followers": "new_followers",
            "total followers": "total_followers",
            "engaged audience": "engaged_audience",
        },
        required=("new_followers", "total_followers", "engaged_audience"),
        expected=("Date", "New followers", "Total followers", "Engaged audience"),
    ),
}

# Header sets that tell a standalone CSV's kind (SPEC 2.4), checked in this order.
_SIGNATURES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"video title", "video views", "video link"}), STUDIO_CONTENT),
    (frozenset({"profile views", "video views", "reached audience"}), STUDIO_OVERVIEW),
    (frozenset({"new followers", "total followers", "engaged audience"}), STUDIO_FOLLOWERS),
)


def layout_of_header(fields: Sequence[str]) -> Layout | None:
    """The standalone layout a header row belongs to: a Studio export or a legacy overview."""
    folded = {fold(name) for name in fields}
    for signature, name in _SIGNATURES:
        if signature <= folded:
            return LAYOUTS[name]
    legacy = LAYOUTS[LEGACY_OVERVIEW]
    named = {legacy.aliases[name] for name in folded if name in legacy.aliases}
    if set(legacy.required) <= named:
        return legacy
    return None


def match_header(layout: Layout, fields: Sequence[str], *, what: str) -> HeaderMatch:
    """Where each column of the layout sits; FileRejected when a required one is missing."""
    positions: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for position, header in enumerate(fields):
        folded = fold(header)
        column = layout.aliases.get(folded)
        if column is None:
            if not _is_ignored(folded, layout.ignored_prefixes):
                unknown.append((position, header.strip() or f"column {position + 1}"))
            continue
        if column in positions:
            raise FileRejected(f"{what}: column {shown(header.strip())} appears twice")
        positions[column] = position
    missing = [column for column in layout.required if column not in positions]
    if missing:
        raise FileRejected(_mismatch_message(layout, fields, missing, unknown, what))
    optional = {column for column in layout.aliases.values() if column not in layout.required}
    return HeaderMatch(
        layout=layout,
        positions=positions,
        unknown=tuple(unknown),
        missing_optional=tuple(sorted(optional - set(positions))),
    )


def _is_ignored(folded: str, prefixes: tuple[str, ...]) -> bool:
    return any(folded.startswith(prefix) for prefix in prefixes)


def _mismatch_message(
    layout: Layout,
    fields: Sequence[str],
    missing: list[str],
    unknown: list[tuple[int, str]],
    what: str,
) -> str:
    labels = dict(_labels(layout))
    missing_text = ", ".join(shown(labels.get(column, column)) for column in missing)
    unexpected = ", ".join(shown(header) for _position, header in unknown) or "none"
    found = ", ".join(shown(header) for header in fields) or "none"
    return (
        f"{what}: missing columns {missing_text}; unexpected columns {unexpected}; "
        f"expected {','.join(layout.expected)} (found {found})"
    )


def _labels(layout: Layout) -> list[tuple[str, str]]:
    """Column name -> the vendor's label, from the expected headers."""
    pairs = []
    for label in layout.expected:
        column = layout.aliases.get(fold(label))
        if column:
            pairs.append((column, label))
    return pairs

"""The SubmitHub header-alias and status tables (SPEC 2.10, provisional).

No real SubmitHub export has been seen, so these tables ARE the parser's knowledge of the
layout: a real sample replaces the guess by editing the tables, not the code. Headers compare
after `text_key` (NFKC, BOM and NBSP removed, spaces collapsed, casefolded). Each field lists
its header texts preferred first; when two columns match one field, the more preferred wins and
the other is reported as ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.sources.connectors.rowbook import shown, text_key

KIND_SUBMISSIONS = "submissions"
KIND_LINK_ANALYTICS = "link_analytics"

# `submithub_submissions` field (plus `submission_id`) -> accepted header texts.
SUBMISSION_FIELDS: dict[str, tuple[str, ...]] = {
    "submission_id": ("submission id", "submission #", "id"),
    "submitted_on": (
        "submitted on",
        "date submitted",
        "submission date",
        "submitted",
        "date",
        "created at",
        "created",
    ),
    "artist_name": ("artist", "artist name", "artists"),
    "track_title": (
        "track",
        "track title",
        "track name",
        "song",
        "song title",
        "song name",
        "title",
    ),
    "outlet": (
        "outlet",
        "outlet name",
        "blog",
        "blog / playlist",
        "playlist",
        "channel",
        "destination",
    ),
    "curator": ("curator", "curator name", "influencer", "reviewer"),
    "outlet_type": ("outlet type", "curator type", "type", "category"),
    "status": ("status", "decision", "result", "outcome"),
    "feedback": ("feedback", "curator feedback", "response", "message", "comment", "comments"),
    "listens": ("listens", "listen count", "plays"),
    "shares": ("shares", "share count"),
    "clicks": ("clicks", "link clicks"),
    "cost_credits": ("cost (credits)", "credits", "credits spent", "premium credits"),
    "cost_usd": (
        "cost (usd)",
        "cost usd",
        "cost ($)",
        "cost",
        "price (usd)",
        "price",
        "spent (usd)",
    ),
}
# A file is a submissions export only when every one of these fields has a column.
REQUIRED_FIELDS = ("submitted_on", "artist_name", "track_title", "outlet", "status")

# Normalised status -> the words an export may use for it.
STATUS_VALUES: dict[str, tuple[str, ...]] = {
    "approved": ("approved", "accepted", "shared", "added", "playlisted", "will share"),
    "declined": ("declined", "rejected", "not approved", "passed", "denied"),
    "pending": ("pending", "awaiting", "awaiting response", "waiting", "in review", "listened"),
    "expired": ("expired", "timed out", "no response", "refunded", "expired (refunded)"),
}
STATUS_BY_WORD: dict[str, str] = {
    word: status for status, words in STATUS_VALUES.items() for word in words
}

# The second provisional kind (link analytics): recognised so it is quarantined with a clear
# reason instead of "source not recognised", but not loaded until a real sample exists.
LINK_ANALYTICS_FIELDS: dict[str, tuple[str, ...]] = {
    "artist_name": ("artist", "artist name"),
    "track_title": ("track", "track title", "song", "title"),
    "opened": ("opened", "opens"),
    "clicked": ("clicked", "clicks"),
}
UTM_PREFIXES = ("utm_", "utm ")


@dataclass(frozen=True)
class HeaderMatch:
    """Field -> column position, and the headers no field reads (kept in raw only)."""

    positions: dict[str, int]
    ignored: tuple[str, ...]

    def has(self, field: str) -> bool:
        return field in self.positions


def match_fields(cells: tuple[str, ...], fields: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Field -> column of its most preferred alias present in `cells`."""
    keys = [text_key(cell) for cell in cells]
    positions: dict[str, int] = {}
    for field, aliases in fields.items():
        for alias in aliases:
            if alias in keys and keys.index(alias) not in positions.values():
                positions[field] = keys.index(alias)
                break
    return positions


def match_submissions(cells: tuple[str, ...]) -> HeaderMatch | None:
    """The submissions header when `cells` carry every required field, else None."""
    positions = match_fields(cells, SUBMISSION_FIELDS)
    if not all(field in positions for field in REQUIRED_FIELDS):
        return None
    used = set(positions.values())
    ignored = tuple(
        cell.strip() for position, cell in enumerate(cells) if position not in used and cell.strip()
    )
    return HeaderMatch(positions=positions, ignored=ignored)


def is_link_analytics(cells: tuple[str, ...]) -> bool:
    positions = match_fields(cells, LINK_ANALYTICS_FIELDS)
    has_utm = any(text_key(cell).startswith(UTM_PREFIXES) for cell in cells)
    return has_utm and len(positions) == len(LINK_ANALYTICS_FIELDS)


def header_mismatch(found: tuple[str, ...]) -> str:
    """The headers a non-matching file has, and the required fields with their aliases."""
    headers = ", ".join(shown(cell.strip()) for cell in found if cell.strip()) or "none"
    required = "; ".join(
        f"{field} (one of: {', '.join(SUBMISSION_FIELDS[field])})" for field in REQUIRED_FIELDS
    )
    return (
        f"SubmitHub export header not recognised (provisional layout); headers found: "
        f"{headers}; required: {required}"
    )

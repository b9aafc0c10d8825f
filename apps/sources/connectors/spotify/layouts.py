"""The S4A CSV layouts (SPEC 2.3) and how a header row is matched to one, through an alias table.

Localised and re-cased headers (`Date,Streams`, `Date,Écoutes`) are known variants, absorbed by
the aliases (SPEC 3.3); a new column is accepted and reported; a missing one names the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.sources.connectors.rowbook import text_key

KIND_AUDIENCE_TIMELINE = "audience_timeline"
KIND_SONGS_SUMMARY = "songs_summary"
KIND_SONG_TIMELINE = "song_timeline"
KIND_SONGS_API = "songs_api"
KINDS: tuple[str, ...] = (
    KIND_AUDIENCE_TIMELINE,
    KIND_SONGS_SUMMARY,
    KIND_SONG_TIMELINE,
    KIND_SONGS_API,
)

# Header label as S4A writes it (any case, any spacing) -> column name used by the parser.
HEADER_ALIASES: dict[str, str] = {
    text_key(label): column
    for label, column in (
        ("date", "date"),
        ("listeners", "listeners"),
        ("streams", "streams"),
        ("followers", "followers"),
        ("playlist adds", "playlist_adds"),
        ("playlist_adds", "playlist_adds"),
        ("saves", "saves"),
        ("song", "song"),
        ("release_date", "release_date"),
        ("release date", "release_date"),
        # French exports (UI language set to French).
        ("écoutes", "streams"),
        ("auditeurs", "listeners"),
        ("abonnés", "followers"),
        ("ajouts à des playlists", "playlist_adds"),
        ("enregistrements", "saves"),
        ("titre", "song"),
        ("date de sortie", "release_date"),
    )
}


@dataclass(frozen=True)
class CsvLayout:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # `date,streams` is generic: recognised only as exactly that, so other sources' CSVs with
    # a date and a streams column among others are never claimed as S4A files.
    is_exact_when_sniffing: bool

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


AUDIENCE_TIMELINE = CsvLayout(
    kind=KIND_AUDIENCE_TIMELINE,
    required=("date", "listeners", "streams", "followers"),
    optional=("playlist_adds", "saves"),
    is_exact_when_sniffing=False,
)
SONGS_SUMMARY = CsvLayout(
    kind=KIND_SONGS_SUMMARY,
    required=("song", "listeners", "streams", "saves", "release_date"),
    optional=(),
    is_exact_when_sniffing=False,
)
SONG_TIMELINE = CsvLayout(
    kind=KIND_SONG_TIMELINE,
    required=("date", "streams"),
    optional=(),
    is_exact_when_sniffing=True,
)
LAYOUTS: tuple[CsvLayout, ...] = (AUDIENCE_TIMELINE, SONGS_SUMMARY, SONG_TIMELINE)


@dataclass(frozen=True)
class HeaderMatch:
    """A header recognised as a layout: the column of each file position (None when unused)."""

    layout: CsvLayout
    labels: tuple[str, ...]
    columns: tuple[str | None, ...]
    extra_labels: tuple[str, ...]

    def label_of(self, column: str) -> str:
        """The file's own header label of a column, for messages that name what staff see."""
        return next(
            (
                label
                for label, name in zip(self.labels, self.columns, strict=True)
                if name == column
            ),
            column,
        )


def match_header(cells: list[str], *, is_sniffing: bool = False) -> HeaderMatch | None:
    """The layout with the most required columns that this header carries, or None."""
    known = [HEADER_ALIASES.get(text_key(cell)) for cell in cells]
    names = [name for name in known if name]
    if len(set(names)) != len(names):
        return None
    present = set(names)
    candidates = [layout for layout in LAYOUTS if set(layout.required) <= present]
    # `date,streams` next to other S4A columns (`listeners`...) is a damaged audience or songs
    # file, not a song timeline: refused against its closest layout, naming what is missing.
    candidates = [
        layout
        for layout in candidates
        if not layout.is_exact_when_sniffing or present <= set(layout.columns)
    ]
    if is_sniffing:
        candidates = [
            layout
            for layout in candidates
            if not layout.is_exact_when_sniffing or len(cells) == len(layout.columns)
        ]
    if not candidates:
        return None
    layout = max(candidates, key=lambda candidate: len(candidate.required))
    columns = tuple(name if name in layout.columns else None for name in known)
    extras = tuple(
        cell.strip() for cell, column in zip(cells, columns, strict=True) if column is None
    )
    return HeaderMatch(
        layout=layout,
        labels=tuple(cell.strip() for cell in cells),
        columns=columns,
        extra_labels=extras,
    )


def near_layout(cells: list[str]) -> CsvLayout | None:
    """A wide layout this header lacks exactly one required column of (renamed or dropped).

    Without --source such a file is still claimed as S4A, so its rejection names the missing
    column (SPEC 3.3) instead of "source not recognised". At least three of the layout's
    columns must be there, so a generic `date,streams` CSV is never claimed this way.
    """
    present = {HEADER_ALIASES.get(text_key(cell)) for cell in cells} - {None}
    for layout in LAYOUTS:
        found = len(set(layout.required) & present)
        if not layout.is_exact_when_sniffing and found >= 3 and found == len(layout.required) - 1:
            return layout
    return None


def header_mismatch_message(cells: list[str]) -> str:
    """Why a header is no S4A export: missing and unexpected columns against the closest layout."""
    known = {HEADER_ALIASES.get(text_key(cell)) for cell in cells} - {None}
    closest = max(LAYOUTS, key=lambda layout: len(set(layout.required) & known))
    missing = [name for name in closest.required if name not in known]
    unexpected = [
        cell.strip() for cell in cells if HEADER_ALIASES.get(text_key(cell)) not in closest.columns
    ]
    return "; ".join(
        [
            "header is not a Spotify for Artists export",
            f"missing columns: {_quoted(missing)}",
            f"unexpected columns: {_quoted(unexpected)}",
            f"expected ({closest.kind}): {_quoted(list(closest.columns))}",
        ]
    )


def _quoted(names: list[str]) -> str:
    if not names:
        return "none"
    # Header cells come from the file: cap them so a garbage header cannot flood the message.
    shown = [ascii(name[:60]) for name in names[:20]]
    more = f" (+{len(names) - 20} more)" if len(names) > 20 else ""
    return ", ".join(shown) + more

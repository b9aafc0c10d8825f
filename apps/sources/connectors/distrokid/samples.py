"""Deterministic, realistic DistroKid bank statements for fixtures, the demo and the benchmark.

Every value is invented (artists are the label's, titles, ISRCs and UPCs are made up), but the
layouts, encodings, line endings and value shapes are the vendor's (SPEC 2.1 and 3.6): per-unit
rates per store, ~89 % of quantities under 100, sale months 1-2 months (small stores up to 7)
before the reporting date, negative Spotify adjustments, `OU` for Facebook/Instagram, a Latin-1
legacy file with a bare `"` in a title and quoted-comma current files named `.tsv`.

Lines are drawn in chunks from a generator seeded by (seed, chunk), with numpy and pyarrow doing
the per-line work, so a million lines take seconds. The draws never depend on the layout: the
same seed gives the same business lines in every schema (legacy rounds earnings to 8 places).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from apps.sources.connectors.distrokid.identity import fixed_decimals
from apps.sources.connectors.distrokid.schemas import (
    DK_CURRENT_15,
    DK_LEGACY_13,
    DK_MIXED_15,
    SCHEMAS,
    StatementSchema,
)

LINE_ENDINGS: dict[str, str] = {"LF": "\n", "CR": "\r", "CRLF": "\r\n"}

# Lines drawn per chunk: about 8 MB of text, so a chunk's arrays stay small while a million
# lines need only twenty rounds of vectorised work.
CHUNK_LINES = 50_000

# Earnings are drawn as integers of 10**-12 USD, the precision of current exports.
CURRENT_PLACES = 12
LEGACY_PLACES = 8

SMALL_QUANTITY_SHARE = 0.89
NEGATIVE_SPOTIFY_SHARE = 0.015
REPEATED_LINE_SHARE = 0.002


@dataclass(frozen=True)
class Track:
    artist: str
    title: str
    isrc: str
    upc: str
    release: str
    team_percentage: int
    weight: float


@dataclass(frozen=True)
class Store:
    name: str
    rate_usd: float
    weight: float
    # Small stores report late: their sale months lag the reporting date by up to 7 months.
    is_small: bool = False
    is_outside_us: bool = False
    is_album: bool = False
    is_download: bool = False


def _release(
    artist: str, release: str, upc: str, titles: list[tuple[str, float]], *, team: int = 100
) -> list[Track]:
    year = 23 + len(release) % 3
    registrant = {"ZONE A0": "HN5", "PIG1987": "PG8", "IWARY": "IW2"}.get(artist, "MW6")
    return [
        Track(
            artist,
            title,
            f"QZ{registrant}{year}{(int(upc[-5:]) + n) % 10**5:05d}",
            upc,
            release,
            team,
            w,
        )
        for n, (title, w) in enumerate(titles)
    ]


CATALOG: tuple[Track, ...] = (
    *_release(
        "ZONE A0",
        "Nocturnes",
        "0196006218743",
        [("Café Nocturne", 9.0), ("Static Bloom", 4.0), ("Low Orbit", 3.0)],
    ),
    *_release("ZONE A0", "Glass Hours", "198004512236", [("Glass Hours", 5.0)]),
    *_release(
        "ZONE A0",
        "Dub Plates",
        "0859752110042",
        [('Night Drive (12" Mix)', 2.0), ("Sub Rosa", 1.5)],
    ),
    *_release(
        "PIG1987",
        "Mud Season",
        "197368412209",
        [("Mud Season", 4.0), ("Señorita Lag", 2.5), ("Trough", 1.0)],
    ),
    *_release("PIG1987", "Porkchop Express", "0197368500173", [("Porkchop Express", 2.0)]),
    *_release(
        "IWARY",
        "Paper Lanterns",
        "198391027755",
        [("Paper Lanterns", 3.0), ("Über Quiet", 2.0), ("Déjà Blue", 1.5), ("Soft Reset", 1.0)],
    ),
    *_release(
        "XXMEATWARRIOR69XX",
        "GRISTLE",
        "0199412033381",
        [("GRISTLE", 2.0), ("Meat Shield", 1.5), ("Crème Brûlée Breakdown", 1.0)],
    ),
    *_release("XXMEATWARRIOR69XX", "Bonfire of the Rares", "199412048125", [("Bonfire", 1.0)]),
    *_release(
        "ZONE A0 X SXNCTUARY",
        "Sanctuary Static",
        "0198773310054",
        [("Sanctuary Static", 2.5), ("Halo, Inverted", 1.5)],
        team=50,
    ),
)

STORES: tuple[Store, ...] = (
    Store("Spotify", 0.0024, 38.0),
    Store("Apple Music", 0.0059, 10.0),
    Store("iTunes Match", 0.0059, 0.5, is_small=True),
    Store("YouTube (Red)", 0.0069, 3.0),
    Store("YouTube (Ads)", 0.0015, 6.0),
    Store("YouTube (Audio)", 0.0009, 1.5),
    Store("TikTok", 0.0011, 8.0),
    Store("Resso", 0.0010, 0.5, is_small=True),
    Store("Amazon Unlimited (Streaming)", 0.0081, 4.0),
    Store("Amazon Prime (Streaming)", 0.0040, 2.0),
    # The same store in another case, as DistroKid really writes it now and then.
    Store("Amazon Prime (streaming)", 0.0040, 0.5),
    Store("Facebook", 0.00007, 5.0, is_outside_us=True),
    Store("Instagram", 0.00007, 4.0, is_outside_us=True),
    Store("Tidal", 0.0099, 1.5, is_small=True),
    Store("Deezer", 0.0028, 3.0, is_small=True),
    Store("Pandora", 0.0040, 3.0, is_small=True),
    Store("NetEase", 0.0006, 0.5, is_small=True),
    Store("Snapchat", 0.0003, 0.5, is_small=True),
    Store("iTunes Songs", 0.70, 0.4, is_small=True, is_download=True),
    Store("iTunes Albums", 7.00, 0.1, is_small=True, is_download=True, is_album=True),
)

COUNTRIES: tuple[tuple[str, float], ...] = (
    ("US", 34.0),
    ("GB", 8.0),
    ("DE", 7.0),
    ("CA", 5.0),
    ("AU", 4.0),
    ("FR", 4.0),
    ("BR", 4.0),
    ("MX", 4.0),
    ("SE", 3.0),
    ("NL", 3.0),
    ("JP", 2.0),
    ("PL", 2.0),
    ("IN", 2.0),
    ("ES", 2.0),
    ("IT", 2.0),
    ("NO", 1.5),
    ("FI", 1.0),
    ("NZ", 1.0),
    ("IE", 1.0),
    ("ZA", 1.0),
)


@dataclass(frozen=True)
class StatementSpec:
    """Everything that determines a generated file; equal specs give equal bytes.

    Reporting months run from `first_month` over `months` months in line order (reversed when
    `is_reversed`), spread evenly over the lines.
    """

    schema_id: str
    lines: int
    seed: int = 0
    first_month: date = date(2024, 1, 1)
    months: int = 12
    line_ending: str = "LF"
    is_reversed: bool = False

    def __post_init__(self) -> None:
        if self.schema_id not in _SCHEMAS_BY_ID:
            raise ValueError(f"unknown schema {self.schema_id!r}; known: {sorted(_SCHEMAS_BY_ID)}")
        if self.line_ending not in LINE_ENDINGS:
            raise ValueError(f"line_ending must be one of {sorted(LINE_ENDINGS)}")
        if self.lines < 0 or self.months < 1:
            raise ValueError("lines must be >= 0 and months >= 1")

    @property
    def schema(self) -> StatementSchema:
        return _SCHEMAS_BY_ID[self.schema_id]

    @property
    def encoding(self) -> str:
        # Legacy exports are Latin-1 (every catalog title fits it); the others are UTF-8.
        return "latin-1" if self.schema is DK_LEGACY_13 else "utf-8"


_SCHEMAS_BY_ID: dict[str, StatementSchema] = {schema.schema_id: schema for schema in SCHEMAS}


def statement_bytes(
    *,
    schema_id: str,
    lines: int,
    seed: int = 0,
    first_month: date = date(2024, 1, 1),
    months: int = 12,
    line_ending: str = "LF",
    is_reversed: bool = False,
) -> bytes:
    """A whole statement file in memory: header, `lines` data lines, a final line ending."""
    spec = StatementSpec(schema_id, lines, seed, first_month, months, line_ending, is_reversed)
    return b"".join(iter_statement_chunks(spec))


def write_statement(
    path: Path,
    *,
    schema_id: str,
    lines: int,
    seed: int = 0,
    first_month: date = date(2024, 1, 1),
    months: int = 12,
    line_ending: str = "LF",
    is_reversed: bool = False,
) -> Path:
    """Stream a statement to `path` chunk by chunk (a million lines never sit in memory at once)."""
    spec = StatementSpec(schema_id, lines, seed, first_month, months, line_ending, is_reversed)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as stream:
        for chunk in iter_statement_chunks(spec):
            stream.write(chunk)
    # Rename into place, so a reader never sees half a file.
    os.replace(temporary, path)
    return path


def iter_statement_chunks(spec: StatementSpec) -> Iterator[bytes]:
    """The file as encoded chunks: the header first, then CHUNK_LINES lines at a time."""
    ending = LINE_ENDINGS[spec.line_ending]
    yield (_header_line(spec.schema) + ending).encode(spec.encoding)
    chunk_count = -(-spec.lines // CHUNK_LINES)
    chunk_numbers = range(chunk_count)
    for chunk_number in reversed(chunk_numbers) if spec.is_reversed else chunk_numbers:
        text = _chunk_utf8(spec, chunk_number)
        yield text if spec.encoding == "utf-8" else text.decode("utf-8").encode(spec.encoding)


def _months_before(month: date, count: int) -> date:
    number = month.year * 12 + month.month - 1 - count
    return date(number // 12, number % 12 + 1, 1)


def demo_statement_files(*, today: date, seed: int = 1987) -> dict[str, bytes]:
    """The demo's DistroKid statements, ending the month before `today` so the dashboard looks
    current: every quirk of SPEC 3.6, named like the site's exports."""
    this_month = today.replace(day=1)
    current_start = _months_before(this_month, 5)
    mixed_month = _months_before(current_start, 1)
    return {
        # Legacy TAB export, Latin-1, CR-only with a trailing CR, the 18 months before.
        "DistroKid_1719878400.tsv": statement_bytes(
            schema_id=DK_LEGACY_13.schema_id,
            lines=3000,
            seed=seed,
            first_month=_months_before(mixed_month, 18),
            months=18,
            line_ending="CR",
        ),
        # The transition month: 15 columns, the type column still called Song/Album.
        "DistroKid_1752537600.tsv": statement_bytes(
            schema_id=DK_MIXED_15.schema_id,
            lines=400,
            seed=seed + 1,
            first_month=mixed_month,
            months=1,
            line_ending="CRLF",
        ),
        # Current quoted-comma export still named .tsv, CR-only, in reverse reporting order.
        "DistroKid_1767225600.tsv": statement_bytes(
            schema_id=DK_CURRENT_15.schema_id,
            lines=2000,
            seed=seed + 2,
            first_month=current_start,
            months=5,
            line_ending="CR",
            is_reversed=True,
        ),
    }


def _header_line(schema: StatementSchema) -> str:
    if schema.is_quoted:
        return ",".join(f'"{name}"' for name in schema.headers)
    return schema.delimiter.join(schema.headers)


@dataclass(frozen=True)
class _Draws:
    """One chunk's random choices, as index and number arrays (independent of the layout)."""

    track: np.ndarray
    store: np.ndarray
    country: np.ndarray
    quantity: np.ndarray
    earnings_units: np.ndarray
    reporting_day: np.ndarray
    sale_month: np.ndarray
    inserted_day: np.ndarray


def _draws(spec: StatementSpec, chunk_number: int) -> _Draws:
    start = chunk_number * CHUNK_LINES
    count = min(CHUNK_LINES, spec.lines - start)
    rng = np.random.default_rng([spec.seed, chunk_number])
    track = rng.choice(len(CATALOG), count, p=_weights([t.weight for t in CATALOG]))
    store = rng.choice(len(STORES), count, p=_weights([s.weight for s in STORES]))
    country = rng.choice(len(COUNTRIES), count, p=_weights([w for _, w in COUNTRIES]))
    quantity = _quantities(rng, count, is_download=_store_flags("is_download")[store])
    jitter = 0.8 + 0.4 * rng.random(count)
    rate = np.array([s.rate_usd for s in STORES])[store]
    earnings = np.rint(quantity * rate * jitter * 10**CURRENT_PLACES).astype(np.int64)
    is_spotify = store == _SPOTIFY
    earnings = np.where(
        is_spotify & (rng.random(count) < NEGATIVE_SPOTIFY_SHARE), -earnings, earnings
    )
    month_index = (np.arange(start, start + count) * spec.months) // max(spec.lines, 1)
    reporting_month = _month_number(spec.first_month) + month_index
    day = rng.integers(1, 29, count)
    lag = np.where(
        _store_flags("is_small")[store],
        rng.integers(1, 8, count),
        np.where(rng.random(count) < 0.6, 1, 2),
    )
    inserted_day = day + rng.integers(0, 3, count)
    draws = _Draws(
        track=track,
        store=store,
        country=country,
        quantity=quantity,
        earnings_units=earnings,
        reporting_day=_days(reporting_month, day),
        sale_month=_days(reporting_month - lag, np.ones(count, dtype=np.int64)),
        inserted_day=_days(reporting_month, inserted_day),
    )
    return _with_repeats(draws, rng.random(count) < REPEATED_LINE_SHARE)


def _quantities(rng: np.random.Generator, count: int, *, is_download: np.ndarray) -> np.ndarray:
    # Squared and cubed uniforms skew towards small counts, like real per-country lines.
    small = 1 + np.floor(99 * rng.random(count) ** 2)
    large = 100 + np.floor(20_000 * rng.random(count) ** 3)
    streams = np.where(rng.random(count) < SMALL_QUANTITY_SHARE, small, large)
    downloads = 1 + (rng.random(count) < 0.1)
    return np.where(is_download, downloads, streams).astype(np.int64)


def _with_repeats(draws: _Draws, is_repeat: np.ndarray) -> _Draws:
    """Genuinely repeated lines: a few lines copy the line before them, every field."""
    is_repeat[0] = False
    source = np.arange(len(is_repeat))
    source[is_repeat] -= 1
    return _Draws(**{item.name: getattr(draws, item.name)[source] for item in fields(_Draws)})


def _joined_utf8(rows: pa.Array) -> bytes:
    """All strings of a fresh array back to back: its data buffer, without a Python loop."""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
    first, last = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return rows.buffers()[2][first:last].to_pybytes() if last > first else b""


def _chunk_utf8(spec: StatementSpec, chunk_number: int) -> bytes:
    draws = _draws(spec, chunk_number)
    columns = _columns(spec.schema, draws)
    if spec.is_reversed:
        columns = [column[::-1] for column in columns]
    ending = LINE_ENDINGS[spec.line_ending]
    if spec.schema.is_quoted:
        quoted = [pc.replace_substring(column, '"', '""') for column in columns]
        inner = pc.binary_join_element_wise(*quoted, '","')
        rows = pc.binary_join_element_wise('"', inner, '"' + ending, "")
    else:
        rows = pc.binary_join_element_wise(
            pc.binary_join_element_wise(*columns, spec.schema.delimiter), ending, ""
        )
    return _joined_utf8(rows)


def _columns(schema: StatementSchema, draws: _Draws) -> list[pa.Array]:
    """The text of every column of `schema`, in file order."""
    is_legacy = schema is DK_LEGACY_13
    track_is_album = _store_flags("is_album")[draws.store]
    places = LEGACY_PLACES if is_legacy else CURRENT_PLACES
    units = draws.earnings_units
    if is_legacy:
        units = _round_half_even(units, 10 ** (CURRENT_PLACES - LEGACY_PLACES))
    earnings = fixed_decimals(units, places)
    if not is_legacy:
        # Current exports write up to 12 decimals: trailing zeros are not written.
        earnings = pc.replace_substring_regex(earnings, r"\.?0+$", "")
    country = np.where(
        _store_flags("is_outside_us")[draws.store], "OU", _COUNTRY_CODES[draws.country]
    )
    rows = len(draws.track)
    by_header: dict[str, pa.Array] = {
        "Date Inserted": _iso(draws.inserted_day),
        "Reporting Date": _iso(draws.reporting_day),
        "Sale Month": pc.utf8_slice_codeunits(_iso(draws.sale_month), 0, 7),
        "Store": pa.array(_STORE_NAMES[draws.store]),
        "Artist": pa.array(_ARTISTS[draws.track]),
        "Title": pa.array(np.where(track_is_album, _RELEASES[draws.track], _TITLES[draws.track])),
        "ISRC": pa.array(np.where(track_is_album, "", _ISRCS[draws.track])),
        "UPC": pa.array(_UPCS[draws.track]),
        "Quantity": pa.array(draws.quantity).cast(pa.string()),
        "Team Percentage": pa.array(_TEAMS[draws.track]).cast(pa.string()),
        "Song/Album": pa.array(np.where(track_is_album, "Album", "Song")),
        "Source Type": pa.array(np.where(track_is_album, "Album", "Song")),
        "Country of Sale": pa.array(country),
        "Songwriter Royalties Withheld": pa.repeat(pa.scalar("0"), rows),
        "Songwriter Royalties Withheld (USD)": pa.repeat(pa.scalar("0.00000"), rows),
        "Earnings (USD)": earnings,
        "Recoup (USD)": pa.repeat(pa.scalar(""), rows),
    }
    return [by_header[name] for name in schema.headers]


def _round_half_even(units: np.ndarray, step: int) -> np.ndarray:
    """Integers divided by `step`, rounded half-to-even, exactly as the parser's fingerprint."""
    quotient, remainder = np.divmod(units, step)
    half = step // 2
    rounds_up = (remainder > half) | ((remainder == half) & (quotient % 2 == 1))
    rounded: np.ndarray = quotient + rounds_up
    return rounded


def _weights(weights: list[float]) -> np.ndarray:
    array = np.array(weights, dtype=float)
    shares: np.ndarray = array / array.sum()
    return shares


def _store_flags(name: str) -> np.ndarray:
    return np.array([getattr(store, name) for store in STORES], dtype=bool)


def _month_number(month: date) -> int:
    return (month.year - 1970) * 12 + month.month - 1


def _days(month_number: np.ndarray, day: np.ndarray) -> np.ndarray:
    first = np.asarray(month_number).astype("datetime64[M]").astype("datetime64[D]")
    days: np.ndarray = first + (np.asarray(day) - 1)
    return days


def _iso(days: np.ndarray) -> pa.Array:
    return pa.array(days, type=pa.date32()).cast(pa.string())


_SPOTIFY = next(number for number, store in enumerate(STORES) if store.name == "Spotify")
_COUNTRY_CODES = np.array([code for code, _ in COUNTRIES], dtype=object)
_STORE_NAMES = np.array([store.name for store in STORES], dtype=object)
_ARTISTS = np.array([track.artist for track in CATALOG], dtype=object)
_TITLES = np.array([track.title for track in CATALOG], dtype=object)
_RELEASES = np.array([track.release for track in CATALOG], dtype=object)
_ISRCS = np.array([track.isrc for track in CATALOG], dtype=object)
_UPCS = np.array([track.upc for track in CATALOG], dtype=object)
_TEAMS = np.array([track.team_percentage for track in CATALOG], dtype=np.int64)

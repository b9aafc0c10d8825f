"""Resolution helpers every loader shares: raw values -> warehouse ids through the editable
mappings (aliases, accounts, stores, the track catalogue), and Arrow helpers that work on
distinct values, so a large partition costs a few dictionary look-ups per distinct value."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Model

from apps.warehouse.models import (
    Account,
    Artist,
    ArtistAlias,
    Distributor,
    Platform,
    StoreMapping,
    Territory,
    Track,
    TrackAlias,
    normalise_name,
)
from apps.warehouse.upsert import bulk_upsert

KEY_SEPARATOR = "\x1f"


# --- Arrow helpers ----------------------------------------------------------------------------


def map_column(values: pa.Array, mapping: dict[str, int | None]) -> pa.Array:
    """Vectorised dictionary look-up: each value -> its id (null when unmapped)."""
    keys = list(mapping)
    if not keys:
        return pa.nulls(len(values), pa.int64())
    ids = pa.array([mapping[key] for key in keys], type=pa.int64())
    positions = pc.index_in(values, value_set=pa.array(keys, type=pa.string()))
    return pc.take(ids, positions)


def distinct(values: pa.Array) -> list[str]:
    return [value for value in pc.unique(values).to_pylist() if value is not None]


def joined(table: pa.Table, names: list[str]) -> pa.Array:
    """One text key per row from several columns (nulls as empty), for look-ups on pairs."""
    parts = [pc.fill_null(pc.cast(table.column(name), pa.string()), "") for name in names]
    return pc.binary_join_element_wise(*parts, KEY_SEPARATOR)


def text(table: pa.Table, name: str) -> pa.Array:
    """A text column with nulls as empty strings (text columns in the warehouse are not null)."""
    return pc.fill_null(table.column(name), "")


def newest_per_key(table: pa.Table, key: list[str]) -> pa.Table:
    """Keep one row per warehouse key, the most recently captured: two curated keys can land on
    one warehouse key (a campaign known by id and by name), and one upsert may not touch a row
    twice."""
    if table.num_rows == 0:
        return table
    if "captured_at" in table.column_names:
        # sort_by is stable, so rows captured at the same time keep their file order.
        table = table.sort_by([("captured_at", "ascending")])
    indexed = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    last = indexed.group_by(key, use_threads=False).aggregate([("__row", "max")])
    if last.num_rows == table.num_rows:
        return table
    return table.take(pc.sort(last.column("__row_max")))


# --- dimensions -------------------------------------------------------------------------------


def platform_ids_for_stores(stores: list[str]) -> dict[str, int | None]:
    """Store name -> platform id. An unknown store becomes an unreviewed platform of its own
    name: it is never booked as another platform (CONTRACT section 5)."""
    mappings = {m.store: m.platform_id for m in StoreMapping.objects.all()}
    result: dict[str, int | None] = {}
    for store in stores:
        key = normalise_name(store)
        if key not in mappings:
            name = " ".join(store.split())
            platform, _ = Platform.objects.get_or_create(name=name, defaults={"is_reviewed": False})
            mapping, _ = StoreMapping.objects.get_or_create(
                store=key, defaults={"platform": platform, "is_reviewed": False}
            )
            mappings[key] = mapping.platform_id
        result[store] = mappings[key]
    return result


def platform_ids_for_names(names: list[str]) -> dict[str, int | None]:
    """Platform name (streams datasets spell them like the Platform rows) -> id, created when new,
    unreviewed, like an unknown store."""
    result: dict[str, int | None] = {}
    for name in names:
        platform = Platform.objects.filter(name__iexact=name).first()
        if platform is None:
            platform = Platform.objects.create(name=name, is_reviewed=False)
        result[name] = platform.pk
    return result


class AliasBook:
    """Artist aliases and canonical names, read once per load."""

    def __init__(self) -> None:
        self.aliases: dict[tuple[str, str], int] = {
            (a.alias, a.source): a.artist_id for a in ArtistAlias.objects.all()
        }
        self.canonical = {normalise_name(a.name): a.pk for a in Artist.objects.all()}

    def artist_id(self, name: str, source: str = "") -> int | None:
        """Source-scoped alias first, then an alias for any source, then the canonical name."""
        key = normalise_name(name)
        if not key:
            return None
        if source and (key, source) in self.aliases:
            return self.aliases[(key, source)]
        return self.aliases.get((key, "")) or self.canonical.get(key)


def artist_ids_for_names(names: list[str], source: str) -> dict[str, int | None]:
    """Reported artist -> artist id through aliases (source-scoped first); unknown -> None."""
    book = AliasBook()
    return {name: book.artist_id(name, source) for name in names}


def territory_ids_for_codes(codes: list[str]) -> dict[str, int | None]:
    known = {t.code: t.pk for t in Territory.objects.all()}
    for code in codes:
        if code.upper() not in known:
            known[code.upper()] = Territory.objects.get_or_create(code=code.upper())[0].pk
    return {code: known[code.upper()] for code in codes}


def account_artist_ids(
    *, source: str, slugs: list[str], external_ids: dict[str, str] | None = None
) -> dict[str, int | None]:
    """Account slug -> artist id, creating Account rows for new accounts. A slug resolves through
    the artist aliases (source-scoped first), else through a typed alias of the account's
    external id (the S4A artist id); an account staff already mapped keeps its artist."""
    book = AliasBook()
    accounts = {a.slug: a for a in Account.objects.filter(source=source, slug__in=slugs)}
    result: dict[str, int | None] = {}
    for slug in slugs:
        account = accounts.get(slug)
        if account is None or account.artist_id is None:
            external = (external_ids or {}).get(slug, "")
            artist_id = book.artist_id(slug, source) or (
                book.artist_id(external, source) if external else None
            )
            account, _ = Account.objects.update_or_create(
                source=source, slug=slug, defaults={"artist_id": artist_id}
            )
        result[slug] = account.artist_id
    return result


# --- the track catalogue ----------------------------------------------------------------------


@dataclass
class TrackCatalogue:
    """Tracks by ISRC, by (artist, normalised title), by UPC + title and by alias, read once.
    Matching follows SPEC 4.2: ISRC, UPC + title, (artist, title), then a track alias."""

    by_isrc: dict[str, int] = field(default_factory=dict)
    by_artist_title: dict[tuple[int | None, str], int] = field(default_factory=dict)
    by_upc_title: dict[tuple[str, str], int] = field(default_factory=dict)
    by_alias: dict[tuple[str, str], int] = field(default_factory=dict)
    by_title: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    artist_of: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def load(cls) -> TrackCatalogue:
        catalogue = cls()
        for track_id, isrc, upc, title, artist_id in Track.objects.values_list(
            "pk", "isrc", "upc", "title", "artist_id"
        ):
            key = normalise_name(title)
            if isrc:
                catalogue.by_isrc[isrc] = track_id
            if upc:
                catalogue.by_upc_title[(upc, key)] = track_id
            catalogue.by_artist_title.setdefault((artist_id, key), track_id)
            catalogue.by_title[key].add(track_id)
            catalogue.artist_of[track_id] = artist_id
        for alias, source, track_id in TrackAlias.objects.values_list("alias", "source", "track"):
            catalogue.by_alias[(alias, source)] = track_id
            catalogue.by_title[alias].add(track_id)
        return catalogue

    def match(
        self,
        *,
        title: str,
        artist_id: int | None = None,
        isrc: str = "",
        upc: str = "",
        source: str = "",
    ) -> int | None:
        key = normalise_name(title)
        if isrc and isrc in self.by_isrc:
            return self.by_isrc[isrc]
        if upc and (upc, key) in self.by_upc_title:
            return self.by_upc_title[(upc, key)]
        if artist_id is not None and (artist_id, key) in self.by_artist_title:
            return self.by_artist_title[(artist_id, key)]
        alias_hit = self.by_alias.get((key, source)) if source else None
        alias_hit = alias_hit or self.by_alias.get((key, ""))
        if alias_hit and (artist_id is None or self.artist_of.get(alias_hit) == artist_id):
            return alias_hit
        return None

    def only_track_titled(self, title: str, artist_id: int | None = None) -> int | None:
        """The one track with this title (or alias), in one artist's catalogue when given;
        None when there is none or the title is ambiguous."""
        candidates = self.by_title.get(normalise_name(title), set())
        if artist_id is not None:
            candidates = {t for t in candidates if self.artist_of.get(t) == artist_id}
        return next(iter(candidates)) if len(candidates) == 1 else None


# --- the upsert every loader ends with -------------------------------------------------------


def upsert_frame(
    *, model: type[Model], columns: dict[str, pa.Array], key: list[str], captured_at: pa.Array
) -> int:
    """Upsert warehouse columns on the model's natural key; when two rows share a key the most
    recently captured wins. Returns the rows handed to the upsert."""
    frame = pa.table({**columns, "captured_at": captured_at})
    frame = newest_per_key(frame, key).drop_columns(["captured_at"])
    update_fields = [name for name in frame.column_names if name not in key]
    return bulk_upsert(model=model, table=frame, unique_fields=key, update_fields=update_fields)


def constant(value: object, rows: int, type_: pa.DataType | None = None) -> pa.Array:
    """A column holding one value on every row."""
    return pa.array([value] * rows, type_ or pa.string())


def ensure_accounts(table: pa.Table, *, source: str, column: str = "account") -> None:
    """Every account a dataset names has its Account row, mapped to an artist when an alias
    knows the slug, so the review queue lists the unknown ones."""
    account_artist_ids(source=source, slugs=distinct(table.column(column)))


def distributor_ids(values: pa.Array) -> pa.Array:
    """Per row: the distributor id of its code; a code with no row yet (a database emptied
    by a flush, a new distributor) gets its row rather than a null key."""
    from apps.warehouse.defaults import DISTRIBUTORS

    known = dict(Distributor.objects.values_list("code", "pk"))
    for code in distinct(values):
        if code not in known:
            known[code] = Distributor.objects.get_or_create(
                code=code, defaults={"name": DISTRIBUTORS.get(code, code)}
            )[0].pk
    return map_column(values, known)

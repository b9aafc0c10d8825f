"""S4A accounts: one per artist, each named by its Spotify artist id (SPEC 2.3).

The table is a module constant for now; it moves to the database (editable accounts) later, so
everything reads it through `account_by_slug` and `account_by_artist_id`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.sources.connectors.base import FileRejected

ACCOUNT_REQUIRED = "account required for spotify; pass --account"

# Spotify ids are 22 base-62 characters; never numbers (SPEC conventions).
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")


@dataclass(frozen=True)
class ArtistAccount:
    slug: str
    artist_id: str
    artist_name: str


# Default accounts (SPEC 2.3). Artist names are canonical upper case.
ARTIST_ACCOUNTS: tuple[ArtistAccount, ...] = (
    ArtistAccount(slug="zonea0", artist_id="62owJQCD2XzVB2o19CVsFM", artist_name="ZONE A0"),
    ArtistAccount(slug="pig1987", artist_id="1Eu67EqPy2NutiM0lqCarw", artist_name="PIG1987"),
)


@dataclass(frozen=True)
class ResolvedAccount:
    """The account a file belongs to; the artist is unknown for a slug not in the table."""

    slug: str
    artist_id: str | None
    artist_name: str | None


def account_by_slug(slug: str) -> ArtistAccount | None:
    return next((account for account in ARTIST_ACCOUNTS if account.slug == slug), None)


def account_by_artist_id(artist_id: str) -> ArtistAccount | None:
    return next((account for account in ARTIST_ACCOUNTS if account.artist_id == artist_id), None)


def resolve_account(*, given: str, named_ids: list[str]) -> ResolvedAccount:
    """The account from `--account` (given) or from the artist ids the file names.

    A given account that contradicts a known artist id in the file is refused: loading one
    artist's figures under another's account would be silently wrong.
    """
    known = _unique([account_by_artist_id(artist_id) for artist_id in named_ids])
    slug = given.strip().lower()
    if slug:
        for account in known:
            if account.slug != slug:
                raise FileRejected(
                    f"file names artist id {account.artist_id} (account {account.slug}) "
                    f"but account {slug!r} was given"
                )
        account = account_by_slug(slug)
        if account is None:
            return ResolvedAccount(slug=slug, artist_id=None, artist_name=None)
        return _resolved(account)
    if len(known) == 1:
        return _resolved(known[0])
    if len(known) > 1:
        slugs = ", ".join(account.slug for account in known)
        raise FileRejected(f"{ACCOUNT_REQUIRED} (the file names several artists: {slugs})")
    unknown = [artist_id for artist_id in named_ids if account_by_artist_id(artist_id) is None]
    if unknown:
        raise FileRejected(f"{ACCOUNT_REQUIRED} (artist id {unknown[0]} is not a known account)")
    raise FileRejected(ACCOUNT_REQUIRED)


def _resolved(account: ArtistAccount) -> ResolvedAccount:
    return ResolvedAccount(
        slug=account.slug, artist_id=account.artist_id, artist_name=account.artist_name
    )


def _unique(accounts: list[ArtistAccount | None]) -> list[ArtistAccount]:
    found: list[ArtistAccount] = []
    for account in accounts:
        if account is not None and account not in found:
            found.append(account)
    return found

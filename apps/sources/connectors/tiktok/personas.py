"""TikTok personas: one account per persona, found from `--account`, the content or the name.

The table is a module constant for now; it moves to the database (editable accounts) later, so
everything reads it through the functions below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import shown
from apps.sources.connectors.tiktok.names import legacy_name

ACCOUNT_REQUIRED = "account required for tiktok; pass --account"

# What an account slug may look like when given explicitly (lower case, no spaces).
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Characters that may sit between the rest of a file name and the handle at its end.
_NAME_SEPARATORS = "_- .@"
_DOWNLOAD_COPY = re.compile(r" \(\d+\)$")
_PROFILE_URL = re.compile(r"tiktok\.com/@([A-Za-z0-9._]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Persona:
    slug: str
    handle: str
    artist_name: str


# Default personas (SPEC 2.4). Artist names are canonical upper case.
PERSONAS: tuple[Persona, ...] = (
    Persona(slug="zonea0", handle="zone.a0", artist_name="ZONE A0"),
    Persona(slug="pig1987", handle="pig1987", artist_name="PIG1987"),
)

# Spellings of a handle seen in file names and payloads -> persona slug (SPEC 2.4).
HANDLE_ALIASES: dict[str, str] = {
    "zone.a0": "zonea0",
    "zonea0": "zonea0",
    "zone_a0": "zonea0",
    "pig1987": "pig1987",
}


def persona_by_slug(slug: str) -> Persona | None:
    return next((persona for persona in PERSONAS if persona.slug == slug), None)


def slug_for_handle(handle: str) -> str | None:
    """The persona slug a handle (with or without `@`) or an artist name stands for."""
    cleaned = handle.strip().lstrip("@").strip().casefold()
    if cleaned in HANDLE_ALIASES:
        return HANDLE_ALIASES[cleaned]
    for persona in PERSONAS:
        if cleaned == persona.artist_name.casefold():
            return persona.slug
    return None


def slug_in_name(original_name: str) -> str | None:
    """The persona whose handle ends the file name's stem (`..._zone.a0.zip`), if any."""
    stem = _stem(original_name).casefold()
    # Longest alias first, so `zone_a0` is not read as a handle `a0` after a separator.
    for alias in sorted(HANDLE_ALIASES, key=len, reverse=True):
        if stem == alias or (stem.endswith(alias) and stem[-len(alias) - 1] in _NAME_SEPARATORS):
            return HANDLE_ALIASES[alias]
    return None


def handle_in_url(url: str) -> str | None:
    match = _PROFILE_URL.search(url)
    return match.group(1) if match else None


def resolve_account(*, given: str, content_names: list[str], original_name: str) -> str:
    """The persona slug from `--account`, else what the content names, else the file name.

    `content_names` are the handles or artist names the content itself carries. Sources that
    disagree are refused: loading one persona's figures under another's would be silently wrong.
    """
    from_content = _named_slugs(content_names)
    from_name = slug_in_name(original_name)
    named = _named_slugs([*from_content, *([from_name] if from_name else [])])
    if given.strip():
        slug = _given_slug(given)
        for other in named:
            if other != slug:
                raise FileRejected(
                    f"file names persona {other} but account {shown(slug)} was given"
                )
        return slug
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise FileRejected(f"{ACCOUNT_REQUIRED} (the file names {', '.join(named)})")
    legacy = legacy_name(original_name)
    if legacy is not None:
        raise FileRejected(f"{ACCOUNT_REQUIRED} (handle {shown(legacy.handle)} is not a persona)")
    raise FileRejected(ACCOUNT_REQUIRED)


def _given_slug(given: str) -> str:
    """An explicit account: a known alias maps to its persona; any other valid slug is kept."""
    known = slug_for_handle(given)
    if known:
        return known
    slug = given.strip().lstrip("@").casefold()
    if not _SLUG.fullmatch(slug):
        raise FileRejected(f"account {shown(given)} is not a valid account slug")
    return slug


def _named_slugs(named: list[str]) -> list[str]:
    """Distinct personas among the names the content carries; unknown names are ignored."""
    slugs: list[str] = []
    for name in named:
        slug = slug_for_handle(name)
        if slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def _stem(original_name: str) -> str:
    name = PurePath(original_name.replace("\\", "/")).name
    for suffix in (".zip", ".csv", ".json", ".txt"):
        if name.casefold().endswith(suffix):
            name = name[: -len(suffix)]
            break
    # A browser saving the same name twice appends ` (1)`.
    return _DOWNLOAD_COPY.sub("", name)

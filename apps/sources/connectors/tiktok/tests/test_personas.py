"""Persona resolution: --account, the content, the handle ending the name (SPEC 2.4)."""

from __future__ import annotations

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.tiktok.personas import resolve_account, slug_in_name

LEGACY_NAME = "Overview_2026-01-03_1767400000_{}.zip"


@pytest.mark.parametrize(
    "handle", ["zone.a0", "zonea0", "zone_a0", "@zone.a0", "ZONE.A0", "zone.a0 (1)"]
)
def test_slug_in_name_reads_every_alias_of_zone_a0(handle: str) -> None:
    # given a legacy export name ending in one of the aliases
    # when the persona is read from it; then zonea0
    assert slug_in_name(LEGACY_NAME.format(handle)) == "zonea0"


def test_slug_in_name_reads_pig1987_and_ignores_names_without_a_handle() -> None:
    # given names with and without a handle suffix
    # when read; then the persona or None
    assert slug_in_name(LEGACY_NAME.format("pig1987")) == "pig1987"
    assert slug_in_name("overview.csv") is None
    assert slug_in_name("my_zone_a0_notes_final.csv") is None


@pytest.mark.parametrize(("given", "expected"), [("zonea0", "zonea0"), ("@zone.a0", "zonea0")])
def test_resolve_account_prefers_the_given_account(given: str, expected: str) -> None:
    # given --account (any alias) and a name naming the same persona
    # when resolved; then the persona slug
    name = LEGACY_NAME.format("zone.a0")
    assert resolve_account(given=given, content_names=[], original_name=name) == expected


def test_resolve_account_takes_the_handle_suffix_without_an_account() -> None:
    # given no --account and a name ending in a known handle
    # when resolved; then the handle's persona
    name = LEGACY_NAME.format("pig1987")
    assert resolve_account(given="", content_names=[], original_name=name) == "pig1987"


def test_resolve_account_takes_the_persona_named_by_the_content() -> None:
    # given a snapshot naming ZONE A0 uploaded under a plain name
    # when resolved; then zonea0
    assert resolve_account(given="", content_names=["ZONE A0"], original_name="x.json") == "zonea0"


def test_resolve_account_refuses_a_given_account_the_name_contradicts() -> None:
    # given --account pig1987 for a file named for zone.a0
    with pytest.raises(FileRejected) as rejected:
        resolve_account(
            given="pig1987", content_names=[], original_name=LEGACY_NAME.format("zone.a0")
        )

    # then the contradiction is the reason
    assert rejected.value.message == "file names persona zonea0 but account 'pig1987' was given"


def test_resolve_account_without_any_persona_is_rejected() -> None:
    # given no --account and a name without a handle
    with pytest.raises(FileRejected) as rejected:
        resolve_account(given="", content_names=[], original_name="Overview.csv")

    # then the file is rejected, never silently dropped
    assert rejected.value.message == "account required for tiktok; pass --account"


def test_resolve_account_names_an_unknown_handle() -> None:
    # given a legacy name ending in a handle that is no persona
    with pytest.raises(FileRejected) as rejected:
        resolve_account(given="", content_names=[], original_name=LEGACY_NAME.format("someone"))

    # then the reason says which handle was not understood
    assert rejected.value.message == (
        "account required for tiktok; pass --account (handle 'someone' is not a persona)"
    )


def test_resolve_account_keeps_an_unknown_but_valid_given_slug() -> None:
    # given --account for a persona not yet in the table
    # when resolved; then staff's word is kept as the slug
    assert (
        resolve_account(given="NewPersona", content_names=[], original_name="x.csv") == "newpersona"
    )

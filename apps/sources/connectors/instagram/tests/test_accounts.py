"""Instagram account resolution: --account, else the IG user id in the payload (SPEC 2.9)."""

from __future__ import annotations

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.instagram.accounts import resolve_account
from apps.sources.connectors.instagram.samples import SAMPLE_USER_ID


def test_resolve_account_normalises_the_given_slug() -> None:
    # given --account with an @ and capitals; when resolved; then the lower-case slug
    assert resolve_account(given="@ZoneA0", user_ids=[]) == "zonea0"


def test_resolve_account_refuses_a_malformed_slug() -> None:
    # given an account with spaces
    with pytest.raises(FileRejected) as rejected:
        resolve_account(given="zone a0", user_ids=[])

    # then it is named as invalid
    assert rejected.value.message == "account 'zone a0' is not a valid account slug"


def test_resolve_account_maps_a_known_id(known_account: str) -> None:
    # given the sample id in the table; when resolved without --account; then its slug
    assert resolve_account(given="", user_ids=[SAMPLE_USER_ID]) == known_account


def test_resolve_account_refuses_a_payload_of_several_ids(known_account: str) -> None:
    # given a payload naming a known id and another one, even with --account
    with pytest.raises(FileRejected) as rejected:
        resolve_account(given=known_account, user_ids=[SAMPLE_USER_ID, "2"])

    # then refused: one file holds one account
    assert rejected.value.message == (
        "payload names several IG user ids ('17841400000000001', '2'); expected one account"
    )

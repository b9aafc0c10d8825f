"""One S4A account per artist: from --account, else from the artist id the file names."""

from __future__ import annotations

import pytest

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.spotify.accounts import ResolvedAccount, resolve_account

ZONEA0 = ResolvedAccount("zonea0", "62owJQCD2XzVB2o19CVsFM", "ZONE A0")


def test_resolve_account_takes_the_given_account() -> None:
    assert resolve_account(given=" ZoneA0 ", named_ids=[]) == ZONEA0


def test_resolve_account_takes_the_account_of_a_named_artist_id() -> None:
    assert resolve_account(given="", named_ids=["62owJQCD2XzVB2o19CVsFM"]) == ZONEA0


def test_resolve_account_keeps_a_given_slug_that_is_not_in_the_table() -> None:
    assert resolve_account(given="newartist", named_ids=[]) == ResolvedAccount(
        "newartist", None, None
    )


@pytest.mark.parametrize(
    ("named_ids", "reason"),
    [
        ([], "account required for spotify; pass --account"),
        (
            ["0000000000000000000000"],
            "account required for spotify; pass --account "
            "(artist id 0000000000000000000000 is not a known account)",
        ),
        (
            ["62owJQCD2XzVB2o19CVsFM", "1Eu67EqPy2NutiM0lqCarw"],
            "account required for spotify; pass --account "
            "(the file names several artists: zonea0, pig1987)",
        ),
    ],
)
def test_resolve_account_refuses_a_file_without_a_known_account(
    named_ids: list[str], reason: str
) -> None:
    with pytest.raises(FileRejected) as rejected:
        resolve_account(given="", named_ids=named_ids)
    assert rejected.value.message == reason

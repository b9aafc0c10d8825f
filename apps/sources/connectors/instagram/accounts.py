"""Instagram accounts: one per IG professional account, named by its Graph user id (SPEC 2.9).

The table is a module constant for now; it moves to the database (editable accounts) later, so
everything reads it through `slug_for_user_id`. It starts empty: the label's IG user ids are
only known once a token is connected, and an invented id could belong to someone else.

An id that is not in the table does not become an account of its own: the file is rejected
with the id in the message, and `--account` loads it. Keeping it under the raw id would split
one account's history across two names the moment the id is added to the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.rowbook import shown

ACCOUNT_REQUIRED = "account required for instagram; pass --account"

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Graph ids are digit strings; never numbers (SPEC conventions).
_USER_ID = re.compile(r"\d{1,32}")


@dataclass(frozen=True)
class InstagramAccount:
    slug: str
    user_id: str
    username: str


INSTAGRAM_ACCOUNTS: tuple[InstagramAccount, ...] = ()


def slug_for_user_id(user_id: str) -> str | None:
    account = next((item for item in INSTAGRAM_ACCOUNTS if item.user_id == user_id), None)
    return account.slug if account else None


def is_user_id(text: str) -> bool:
    return bool(_USER_ID.fullmatch(text))


def resolve_account(*, given: str, user_ids: list[str]) -> str:
    """The account from `--account`, else from the IG user id the payload names.

    A given account that contradicts the account of a known id in the payload is refused:
    loading one account's figures under another's would be silently wrong.
    """
    distinct = sorted(set(user_ids))
    if len(distinct) > 1:
        # One file holds one account: rows of two accounts would merge under one name.
        named = ", ".join(shown(user_id) for user_id in distinct[:3])
        raise FileRejected(f"payload names several IG user ids ({named}); expected one account")
    known = sorted({slug for slug in map(slug_for_user_id, user_ids) if slug})
    if given.strip():
        slug = given.strip().lstrip("@").casefold()
        if not _SLUG.fullmatch(slug):
            raise FileRejected(f"account {shown(given)} is not a valid account slug")
        for other in known:
            if other != slug:
                raise FileRejected(
                    f"payload is account {other} but account {shown(slug)} was given"
                )
        return slug
    if known:
        return known[0]
    if user_ids:
        raise FileRejected(
            f"{ACCOUNT_REQUIRED} (IG user id {shown(user_ids[0])} is not a known account)"
        )
    raise FileRejected(ACCOUNT_REQUIRED)

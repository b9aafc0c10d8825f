"""YouTube accounts: one per channel, each named by its channel id (SPEC 2.7).

The table is a module constant for now; it moves to the database (editable accounts) later, so
everything reads it through `channel_by_slug` and `channel_by_id`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.sources.connectors.base import FileRejected

ACCOUNT_REQUIRED = "account required for youtube; pass --account"

# Channel ids are `UC` and 22 base64url characters; text at every stage (SPEC conventions).
CHANNEL_ID = re.compile(r"UC[0-9A-Za-z_-]{22}")


@dataclass(frozen=True)
class Channel:
    slug: str
    channel_id: str
    title: str


# Default channels; each slug maps to one artist (SPEC conventions: Artists).
CHANNELS: tuple[Channel, ...] = (
    Channel(slug="zonea0", channel_id="UCq3zF0neA0bedrotZ9x1w7Q", title="ZONE A0"),
    Channel(slug="pig1987", channel_id="UCpig1987Mud5easonR0ckzQ", title="PIG1987"),
)


def channel_by_slug(slug: str) -> Channel | None:
    return next((channel for channel in CHANNELS if channel.slug == slug), None)


def channel_by_id(channel_id: str) -> Channel | None:
    return next((channel for channel in CHANNELS if channel.channel_id == channel_id), None)


def resolve_channel(*, given: str, named_ids: list[str]) -> str:
    """The account slug from `--account` (given), else from the channel id the payload names.

    A given account that contradicts a known channel id in the payload is refused: loading one
    channel's figures under another's account would be silently wrong.
    """
    slug = given.strip().lower()
    known = [channel for channel in map(channel_by_id, dict.fromkeys(named_ids)) if channel]
    if slug:
        for channel in known:
            if channel.slug != slug:
                raise FileRejected(
                    f"payload names channel {channel.channel_id} (account {channel.slug}) "
                    f"but account {slug!r} was given"
                )
        return slug
    if len(known) == 1 and len(set(named_ids)) == 1:
        return known[0].slug
    if len(set(named_ids)) > 1:
        raise FileRejected(f"{ACCOUNT_REQUIRED} (the payload names several channels)")
    if named_ids:
        raise FileRejected(f"{ACCOUNT_REQUIRED} (channel {named_ids[0]} is not a known account)")
    raise FileRejected(ACCOUNT_REQUIRED)

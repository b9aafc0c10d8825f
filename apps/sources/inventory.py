"""What each source needs to log in (SPEC 6.3): credential kinds, strategy, default maximum age.

The credentials page lists every (source, account) from here plus whatever is stored, so a
source that was never connected shows as `missing` instead of not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTOMATIC = "automatic"
MANUAL = "manual"
OAUTH = "oauth"
UPLOAD_ONLY = "upload"


@dataclass(frozen=True)
class SourceProfile:
    source: str
    kinds: tuple[str, ...]  # the first is the login the extractor needs
    strategy: str
    max_age_days: int | None  # None: the login does not expire by age
    accounts: tuple[str, ...] = ("",)


SOURCE_PROFILES: dict[str, SourceProfile] = {
    profile.source: profile
    for profile in (
        SourceProfile("distrokid", ("storage_state", "password"), AUTOMATIC, 14),
        SourceProfile("toolost", ("storage_state", "password"), AUTOMATIC, 7),
        SourceProfile("spotify", ("storage_state",), MANUAL, 30, ("zonea0", "pig1987")),
        SourceProfile("tiktok", ("storage_state",), MANUAL, 30, ("zonea0", "pig1987")),
        SourceProfile("metaads", ("api_token",), AUTOMATIC, 60),
        SourceProfile("linktree", ("storage_state",), MANUAL, 30),
        # An unverified Google app's refresh tokens expire after 7 days.
        SourceProfile("youtube", ("oauth_refresh",), OAUTH, 7, ("zonea0", "pig1987")),
        SourceProfile("mailchimp", ("api_key",), AUTOMATIC, None),
        SourceProfile("instagram", ("api_token",), AUTOMATIC, 60, ("zonea0",)),
        SourceProfile("submithub", (), UPLOAD_ONLY, None),
    )
}

CREDENTIAL_KINDS = (
    "storage_state",
    "cookies",
    "password",
    "jwt",
    "oauth_refresh",
    "api_token",
    "api_key",
)

# A bare value typed into the form becomes this field of the stored JSON.
BARE_VALUE_FIELD = {
    "api_key": "api_key",
    "api_token": "access_token",
    "jwt": "token",
}

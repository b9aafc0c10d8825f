"""Reads for the credentials page: one row per (source, account, kind), secrets never read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.health.scoring import CredentialFacts, credential_status_effective
from apps.sources.extractors import EXTRACTORS
from apps.sources.inventory import SOURCE_PROFILES, UPLOAD_ONLY
from apps.sources.models import Credential, TwoFactorRequest


@dataclass(frozen=True)
class CredentialRow:
    source: str
    account: str
    kind: str
    status: str
    strategy: str
    expires_at: datetime | None
    last_verified_at: datetime | None
    last_refreshed_at: datetime | None
    last_extracted_at: datetime | None
    last_error: str
    is_stored: bool
    has_extractor: bool

    @property
    def account_slug(self) -> str:
        return self.account or "-"


def credential_inventory_list(*, now: datetime) -> list[CredentialRow]:
    """Every source's accounts (defaults and stored), stored logins first; missing ones too."""
    stored = list(Credential.objects.defer("secret").order_by("source", "account", "kind"))
    rows = [_stored_row(credential, now) for credential in stored]
    seen = {(credential.source, credential.account) for credential in stored}
    for profile in SOURCE_PROFILES.values():
        if profile.strategy == UPLOAD_ONLY:
            continue
        for account in profile.accounts:
            if (profile.source, account) not in seen:
                rows.append(_missing_row(profile.source, account))
    return sorted(rows, key=lambda row: (row.source, row.account, row.kind))


def _stored_row(credential: Credential, now: datetime) -> CredentialRow:
    profile = SOURCE_PROFILES.get(credential.source)
    facts = CredentialFacts(
        account=credential.account,
        stored_status=credential.status,
        expires_at=credential.expires_at,
        last_verified_at=credential.last_verified_at,
    )
    status = str(credential_status_effective(facts, now=now))
    if credential.status == Credential.Status.NEEDS_2FA:
        status = "needs_2fa"
    return CredentialRow(
        source=credential.source,
        account=credential.account,
        kind=credential.kind,
        status=status,
        strategy=profile.strategy if profile else "",
        expires_at=credential.expires_at,
        last_verified_at=credential.last_verified_at,
        last_refreshed_at=credential.last_refreshed_at,
        last_extracted_at=credential.last_extracted_at,
        last_error=credential.last_error,
        is_stored=True,
        has_extractor=credential.source in EXTRACTORS,
    )


def _missing_row(source: str, account: str) -> CredentialRow:
    profile = SOURCE_PROFILES[source]
    return CredentialRow(
        source=source,
        account=account,
        kind=profile.kinds[0],
        status="missing",
        strategy=profile.strategy,
        expires_at=None,
        last_verified_at=None,
        last_refreshed_at=None,
        last_extracted_at=None,
        last_error="",
        is_stored=False,
        has_extractor=source in EXTRACTORS,
    )


def two_factor_pending_list(*, now: datetime) -> list[TwoFactorRequest]:
    return list(
        TwoFactorRequest.objects.filter(
            status=TwoFactorRequest.Status.PENDING, deadline__gt=now
        ).defer("code_secret")
    )

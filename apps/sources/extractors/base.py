"""The extractor model: fetch a source's data into landing files; verify and refresh a login.

Extractors only fetch. They write files into the `landing_dir` they are given and return the
paths; `apps.sources.services.source_extract` hands those files to the pipeline. Errors say
whether trying again can help (apps.health.errors): PermanentError for refused credentials
and 4xx, TransientError for timeouts, 429 and 5xx.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from apps.health.errors import PermanentError

# Extraction scopes (SPEC 2.0 schedules): distributors fetch their pages daily and their
# statements weekly; `all` is everything the extractor knows how to fetch.
SCOPE_ALL = "all"
SCOPE_DAILY = "daily"
SCOPE_STATEMENTS = "statements"
EXTRACTION_SCOPES = (SCOPE_ALL, SCOPE_DAILY, SCOPE_STATEMENTS)


@runtime_checkable
class Extractor(Protocol):
    """What every extractor (API or browser) offers; registered in EXTRACTORS by source id."""

    source: str
    # Optional class attributes: `origin` ("api" or "browser", how the lake marks fetched
    # files; "api" when absent) and `scopes` (those beyond "all" are passed to extract()).

    def extract(self, *, account: str, since: date | None, landing_dir: Path) -> list[Path]:
        """Fetch what changed since `since` (None: the source's default window) into files."""
        ...

    def verify(self, *, account: str) -> bool:
        """A cheap probe: does the stored login still work? Never raises for a refused login."""
        ...

    def refresh(self, *, account: str) -> bool:
        """Renew the login without a human when the source allows it; False when it cannot."""
        ...


@runtime_checkable
class StatementsExtractor(Protocol):
    """An extractor with a `statements` scope, whose statement runs resume where the lake's
    loaded statements end (apps.sources.services.statements_resume_since)."""

    # The lake kind of the statement files this source's extractor fetches.
    statement_kind: str

    def held_statement_month(self, *, original_name: str, period_end: date | None) -> date | None:
        """The first day of the month one held statement file stands for, in the unit the
        extractor's `since` filters by (None when the file does not say)."""
        ...


class CredentialMissing(PermanentError):
    """No login is stored for this source and account: a human must enter one."""

    code = "credential_missing"


class CredentialRejected(PermanentError):
    """The vendor refused the stored login (401/403, expired token, redirect to login)."""

    code = "credential_rejected"


class TwoFactorRequired(PermanentError):
    """The vendor asks for a 2FA code, a captcha or a QR scan: a human must take over.

    `message` is the hand-off text shown on the credential page and in the notification;
    `prompt` is what the vendor asked for, when the extractor could read it.
    """

    code = "two_factor_required"

    def __init__(self, message: str, *, prompt: str = "") -> None:
        super().__init__(message)
        self.prompt = prompt or message


def landing_file_name(*, kind: str, extension: str, now: datetime | None = None) -> str:
    """`<kind>__<UTC timestamp>__<8 hex>.<ext>`, the name part of a generated landing name."""
    moment = (now or datetime.now(tz=UTC)).astimezone(UTC)
    return f"{kind}__{moment.strftime('%Y%m%dT%H%M%SZ')}__{secrets.token_hex(4)}.{extension}"


def write_landing_file(*, landing_dir: Path, name: str, content: bytes) -> Path:
    """Write one fetched payload whole (temp file + rename), so a crash never leaves half a file."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    target = landing_dir / name
    temp = landing_dir / f".{name}.part"
    with temp.open("wb") as handle:
        handle.write(content)
        handle.flush()
    temp.replace(target)
    return target


def write_landing_json(*, landing_dir: Path, kind: str, payload: Any) -> Path:
    """Save one JSON payload (one vendor response page) as a landing file of `kind`."""
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return write_landing_file(
        landing_dir=landing_dir,
        name=landing_file_name(kind=kind, extension="json"),
        content=content,
    )

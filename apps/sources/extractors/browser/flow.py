"""What every browser extractor does around its vendor pages: load the stored login, open a
browser from it, notice an expired session and log in again with the stored password (where the
vendor allows it), hand a 2FA prompt to a human, and save the refreshed storage state back.

Database work happens only before the browser opens and after it has closed (session.py says
why); in between, the outcome is carried in a `RunOutcome`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings

from apps.health.errors import BedrotError, InvalidInputError
from apps.sources.credentials import credential_load, credential_mark, credential_save
from apps.sources.extractors.base import (
    SCOPE_ALL,
    CredentialMissing,
    CredentialRejected,
    TwoFactorRequired,
    landing_file_name,
    write_landing_file,
)
from apps.sources.extractors.browser.session import BrowserRun, browser_run

logger = logging.getLogger(__name__)

KIND_PASSWORD = "password"
KIND_STORAGE_STATE = "storage_state"
STATUS_VALID = "valid"
STATUS_NEEDS_RECONNECT = "needs_reconnect"


@dataclass(frozen=True)
class Login:
    """A stored username and password, for vendors whose login Bedrot may automate."""

    username: str
    password: str = field(repr=False)


@dataclass
class RunOutcome:
    """What one browser run produced, carried out of the browser to the database work."""

    paths: list[Path] = field(default_factory=list)
    # The refreshed state, only when the run ended logged in (never a logged-out state).
    storage_state: dict[str, Any] | None = None
    error: BedrotError | None = None
    has_logged_in: bool = False


class BrowserExtractor:
    """Base of the browser extractors; subclasses fill in the vendor hooks below."""

    source: ClassVar[str]
    # How fetched files are marked in the lake (SPEC 3.5: a portal export, not API data).
    origin: ClassVar[str] = "browser"
    # What one run may be limited to (SPEC 2.0 schedules): "daily" pages and the weekly
    # "statements" of distributors; "all" is both. Sources with one cadence offer only "all".
    scopes: ClassVar[tuple[str, ...]] = (SCOPE_ALL,)
    # A stored password lets Bedrot log in again by itself (DistroKid, TooLost); other vendors
    # need a human (QR codes, captchas) and a refused session becomes `needs_reconnect`.
    can_log_in: ClassVar[bool] = False
    max_age_days: ClassVar[int] = 30
    # Cookies without which the session is gone: the earliest of their expiries is the state's.
    required_cookies: ClassVar[tuple[str, ...]] = ()
    # Vendor hosts beyond the base URL's domain the pages legitimately load from.
    extra_hosts: ClassVar[tuple[str, ...]] = ()

    # --- vendor hooks ---------------------------------------------------------------------

    def probe_path(self, account: str) -> str:
        """A logged-in page that is cheap to load; a redirect to login means the session is gone."""
        raise NotImplementedError

    def is_login_url(self, url: str) -> bool:
        raise NotImplementedError

    def on_open(self, run: BrowserRun, account: str) -> None:
        """Called once the page exists, before the probe: install response listeners here, so
        the calls the probe page makes itself are captured too."""

    def is_logged_in(self, run: BrowserRun, account: str) -> bool:
        """Load the probe page; still logged in unless the vendor sent us to its login page."""
        run.goto(self.probe_path(account))
        return not self.is_login_url(run.page.url)

    def log_in(self, run: BrowserRun, login: Login, account: str) -> None:
        """Fill the vendor's login form; raise TwoFactorRequired or CredentialRejected."""
        raise CredentialRejected(f"{self.source} has no automated login")

    def capture(
        self,
        run: BrowserRun,
        *,
        account: str,
        since: date | None,
        landing_dir: Path,
        scope: str = SCOPE_ALL,
    ) -> list[Path]:
        raise NotImplementedError

    def state_expires_at(self, state: dict[str, Any], *, now: datetime) -> datetime:
        """The earliest expiry of the required cookies, capped at now + the default max age."""
        latest = now + timedelta(days=self.max_age_days)
        expiries = [
            datetime.fromtimestamp(float(cookie["expires"]), tz=UTC)
            for cookie in state.get("cookies", [])
            if cookie.get("name") in self.required_cookies
            # -1 is a session cookie: it does not expire on its own (SPEC 2.4).
            and float(cookie.get("expires", -1)) > 0
        ]
        return min([latest, *expiries])

    # --- the Extractor protocol -----------------------------------------------------------

    def extract(
        self, *, account: str, since: date | None, landing_dir: Path, scope: str = SCOPE_ALL
    ) -> list[Path]:
        """Capture the vendor's pages and files into `landing_dir`, logging in again if needed."""
        if scope not in self.scopes:
            raise InvalidInputError(
                f"{self.source} has no extraction scope {scope!r}; it has: {', '.join(self.scopes)}"
            )
        state, login = self._stored(account)
        if state is None and login is None:
            raise CredentialMissing(
                f"no {self.source} login stored for account {account or '-'}: "
                "save a storage state or a password on the credential page"
            )

        def work(run: BrowserRun) -> list[Path]:
            return self.capture(
                run, account=account, since=since, landing_dir=landing_dir, scope=scope
            )

        outcome = self._drive(account=account, state=state, login=login, work=work)
        self._record(account, outcome)
        if outcome.error is not None:
            raise outcome.error
        logger.info(
            "browser_extracted source=%s account=%s files=%s logged_in_again=%s",
            self.source,
            account or "-",
            len(outcome.paths),
            outcome.has_logged_in,
        )
        return outcome.paths

    def verify(self, *, account: str) -> bool:
        """Load the probe page with the stored state; False (and marked) when it is refused."""
        state, _login = self._stored(account, with_login=False)
        if state is None:
            return False
        outcome = self._drive(account=account, state=state, login=None, work=None)
        self._record(account, outcome)
        if outcome.error is not None and not isinstance(outcome.error, CredentialRejected):
            raise outcome.error
        return outcome.error is None

    def refresh(self, *, account: str) -> bool:
        """Log in afresh with the stored password; False when this vendor or account has none.
        A 2FA prompt is raised as TwoFactorRequired, for the human hand-off."""
        if not self.can_log_in:
            return False
        _state, login = self._stored(account, with_state=False)
        if login is None:
            return False
        outcome = self._drive(account=account, state=None, login=login, work=None)
        self._record(account, outcome)
        if isinstance(outcome.error, CredentialRejected):
            return False
        if outcome.error is not None:
            raise outcome.error
        return True

    # --- shared steps ---------------------------------------------------------------------

    def base_url(self) -> str:
        return str(settings.BROWSER_SOURCE_BASE_URLS[self.source])

    def _stored(
        self, account: str, *, with_state: bool = True, with_login: bool = True
    ) -> tuple[dict[str, Any] | None, Login | None]:
        state = (
            credential_load(source=self.source, account=account, kind=KIND_STORAGE_STATE)
            if with_state
            else None
        )
        login = None
        if with_login and self.can_log_in:
            stored = credential_load(source=self.source, account=account, kind=KIND_PASSWORD)
            if stored and stored.get("username") and stored.get("password"):
                login = Login(username=str(stored["username"]), password=str(stored["password"]))
        return state, login

    def _drive(
        self,
        *,
        account: str,
        state: dict[str, Any] | None,
        login: Login | None,
        work: Callable[[BrowserRun], list[Path]] | None,
    ) -> RunOutcome:
        """The browser part: no database work in here."""
        outcome = RunOutcome()
        with browser_run(
            base_url=self.base_url(), storage_state=state, extra_hosts=self.extra_hosts
        ) as run:
            self.on_open(run, account)
            try:
                outcome.has_logged_in = self._ensure_session(run, account, state, login)
            except BedrotError as error:
                outcome.error = error
                return outcome
            try:
                if work is not None:
                    outcome.paths = work(run)
            except BedrotError as error:
                # The session itself worked: keep its refreshed state even if a page failed.
                outcome.error = error
            outcome.storage_state = run.storage_state()
        return outcome

    def _ensure_session(
        self, run: BrowserRun, account: str, state: dict[str, Any] | None, login: Login | None
    ) -> bool:
        """True when this run had to log in; raises when no working session can be had."""
        if state is not None and self.is_logged_in(run, account):
            return False
        if login is None:
            raise CredentialRejected(
                f"{self.source} session for account {account or '-'} has expired or was "
                "refused; log in by hand and save the new storage state"
            )
        logger.info("browser_login source=%s account=%s", self.source, account or "-")
        self.log_in(run, login, account)
        if not self.is_logged_in(run, account):
            raise CredentialRejected(
                f"{self.source} refused the stored password for account {account or '-'}"
            )
        return True

    def _record(self, account: str, outcome: RunOutcome) -> None:
        """Save the refreshed state encrypted, or mark the login for a human."""
        if outcome.storage_state is not None:
            expires_at = self.state_expires_at(outcome.storage_state, now=datetime.now(tz=UTC))
            credential_save(
                source=self.source,
                account=account,
                kind=KIND_STORAGE_STATE,
                data=outcome.storage_state,
                expires_at=expires_at,
            )
            credential_mark(
                source=self.source,
                account=account,
                kind=KIND_STORAGE_STATE,
                status=STATUS_VALID,
                expires_at=expires_at,
                verified=True,
            )
            if outcome.has_logged_in:
                # The stored password just worked (after a 2FA code, too): it is valid again.
                credential_mark(
                    source=self.source, account=account, kind=KIND_PASSWORD, status=STATUS_VALID
                )
        elif isinstance(outcome.error, CredentialRejected):
            # A 2FA prompt is left to the caller, which opens the hand-off request
            # (apps.sources.services marks the login needs_2fa and notifies a human).
            for kind in (KIND_STORAGE_STATE, KIND_PASSWORD):
                credential_mark(
                    source=self.source, account=account, kind=kind, status=STATUS_NEEDS_RECONNECT
                )


def two_factor_hand_off(source: str, account: str, prompt: str) -> TwoFactorRequired:
    """The error a 2FA, captcha or QR prompt becomes: what a human must do, and where."""
    shown_account = account or "-"
    message = (
        f"{source} asks for a second factor for account {shown_account}"
        f"{': ' + prompt if prompt else ''}. Bedrot never answers it by itself: log in by hand "
        f"(`manage.py extract --sources {source} --account {shown_account} --interactive`, or "
        "upload a storage state on the credential page); the skipped extraction then re-runs."
    )
    return TwoFactorRequired(message, prompt=prompt)


def land(*, landing_dir: Path, name: str, content: bytes) -> Path:
    """Write one capture under `name` in landing_dir; a name already there gets ` (n)` added,
    as a browser names a second download, so nothing is overwritten within a run."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, copy = name, 0
    while (landing_dir / candidate).exists():
        copy += 1
        candidate = f"{stem} ({copy}).{extension}" if dot else f"{stem} ({copy})"
    return write_landing_file(landing_dir=landing_dir, name=candidate, content=content)


def generated_name(kind: str, extension: str, *, tokens: tuple[str, ...] = ()) -> str:
    """A generated landing name (base.landing_file_name) with tokens the parser reads from
    names (artist id, window) put before the extension."""
    name = landing_file_name(kind=kind, extension=extension)
    if not tokens:
        return name
    stem = name.rsplit(".", 1)[0]
    return f"{stem}__{'__'.join(tokens)}.{extension}"

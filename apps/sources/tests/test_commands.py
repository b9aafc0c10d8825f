"""`manage.py extract`: one line per fetched file with its ingest outcome; exit 1 on failure."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from apps.sources.credentials import credential_save
from apps.sources.extractors import EXTRACTORS
from apps.sources.extractors.base import CredentialRejected
from apps.sources.tests.test_services import REPORT, SOURCE, ScriptedExtractor

pytestmark = pytest.mark.django_db


def test_extract_command_prints_each_file_with_its_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a stored Mailchimp key and a vendor returning one reports page
    credential_save(source=SOURCE, account="", kind="api_key", data={"api_key": "k-us1"})
    monkeypatch.setitem(EXTRACTORS, SOURCE, ScriptedExtractor(REPORT))
    out = io.StringIO()

    # when running the command for that source
    call_command("extract", "--sources", SOURCE, stdout=out)

    # then one line for the file (accepted, with its lake id) and one for the run
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("mailchimp/-: api_reports__1.json: accepted file_id=")
    assert lines[1] == "mailchimp/-: succeeded, 1 file(s)"


def test_extract_command_exits_1_when_the_login_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a login refused before and after the automatic refresh
    credential_save(source=SOURCE, account="", kind="api_key", data={"api_key": "k-us1"})
    monkeypatch.setitem(
        EXTRACTORS,
        SOURCE,
        ScriptedExtractor(CredentialRejected("401"), CredentialRejected("401"), can_refresh=True),
    )
    out = io.StringIO()

    # when running the command, then it exits 1 naming the failure
    with pytest.raises(CommandError) as error:
        call_command("extract", "--sources", SOURCE, stdout=out)
    assert error.value.returncode == 1
    assert out.getvalue().splitlines() == ["mailchimp/-: failed: credential_rejected: 401"]


def test_extract_command_without_a_stored_login_fails_for_a_named_source() -> None:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("extract", "--sources", "metaads", stdout=out)
    assert error.value.returncode == 1
    assert out.getvalue().splitlines() == ["metaads/-: failed: credential_missing: no login stored"]


def test_extract_command_refuses_an_unknown_or_upload_only_source() -> None:
    with pytest.raises(CommandError, match="unknown source"):
        call_command("extract", "--sources", "myspace", stdout=io.StringIO())
    with pytest.raises(CommandError, match="manual upload only"):
        call_command("extract", "--sources", "submithub", stdout=io.StringIO())


def _record_scopes(monkeypatch: pytest.MonkeyPatch, source: str, seen: list[str]) -> None:
    """Replace a distributor's browser run by one that notes the scope it was asked for."""

    def extract(*, account: str, since: Any, landing_dir: Path, scope: str = "all") -> list[Path]:
        seen.append(f"{source}:{scope}")
        return []

    monkeypatch.setattr(EXTRACTORS[source], "extract", extract)


def test_extract_command_scope_routes_to_the_distributors_daily_or_statement_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given stored logins for both distributors and for Mailchimp (which has no scopes)
    seen: list[str] = []
    for source in ("distrokid", "toolost"):
        credential_save(source=source, account="", kind="password", data={"username": "u"})
        _record_scopes(monkeypatch, source, seen)
    credential_save(source=SOURCE, account="", kind="api_key", data={"api_key": "k-us1"})
    mailchimp = ScriptedExtractor(REPORT)
    monkeypatch.setitem(EXTRACTORS, SOURCE, mailchimp)
    out = io.StringIO()

    # when asking for the statements of every stored source
    call_command("extract", "--scope", "statements", stdout=out)

    # then only the two distributors ran, each limited to its statements
    assert seen == ["distrokid:statements", "toolost:statements"]
    assert mailchimp.extract_calls == 0
    assert out.getvalue().splitlines() == [
        "distrokid/-: succeeded, 0 file(s)",
        "toolost/-: succeeded, 0 file(s)",
    ]

    # and a named source gets the scope given, or everything (today's behaviour) without one
    seen.clear()
    call_command("extract", "--sources", "distrokid", "--scope", "daily", stdout=io.StringIO())
    call_command("extract", "--sources", "distrokid", stdout=io.StringIO())
    assert seen == ["distrokid:daily", "distrokid:all"]


def test_extract_command_refuses_an_unknown_scope_or_one_the_source_lacks() -> None:
    # an unknown value names the allowed ones
    with pytest.raises(CommandError) as unknown:
        call_command("extract", "--scope", "weekly", stdout=io.StringIO())
    assert str(unknown.value) == (
        "Error: argument --scope: invalid choice: 'weekly' "
        "(choose from 'all', 'daily', 'statements')"
    )
    # a source that does not split its work by the scope is refused before anything runs
    with pytest.raises(CommandError) as lacking:
        call_command("extract", "--sources", "mailchimp", "--scope", "daily", stdout=io.StringIO())
    assert lacking.value.returncode == 2
    assert str(lacking.value) == (
        "no extraction scope 'daily' for mailchimp; sources with it: distrokid, toolost"
    )

"""R11: arrival names are metadata only. R12: content that contradicts its type is quarantined
with a reason and yields no rows."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from apps.lake.models import FileStatus, LakeFile
from apps.lake.services import lake_file_register
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

CONNECTORS = Path(__file__).resolve().parents[2] / "apps" / "sources" / "connectors"
# Landing keys are generated: kind, UTC stamp, random suffix, and an extension of 1-8 alnum.
GENERATED_NAME = re.compile(r"^[a-z_]+__\d{8}T\d{6}Z__[0-9a-f]{8}\.[a-z0-9]{1,8}$")
HOSTILE_NAMES = [
    "../../etc/passwd.csv",
    "/etc/shadow.csv",
    "..\\..\\windows\\win.ini.csv",
    "evil\x00.csv",
    "a" * 400 + ".csv",
    "statement.csv.exe",
    "report.php.csv",
    "\r\n.csv",
]


def _lake_root(settings: Any) -> Path:
    return Path(settings.STORAGES["lake"]["OPTIONS"]["location"]).resolve()


def test_hostile_upload_names_are_neutralised(settings: Any) -> None:
    keys = []
    for index, name in enumerate(HOSTILE_NAMES):
        registration = lake_file_register(
            stream=io.BytesIO(f"row {index}\n".encode()), original_name=name
        )
        keys.append((name, registration.lake_file))

    root = _lake_root(settings)
    stored = [path for path in root.rglob("*") if path.is_file()]
    neutralised = [
        name
        for name, lake_file in keys
        if GENERATED_NAME.match(PurePosixPath(lake_file.landing_key).name)
        and "/" not in lake_file.original_name
        and "\\" not in lake_file.original_name
        and lake_file.original_name.isprintable()
        and len(lake_file.original_name) <= 255
    ]
    assert len(neutralised) == len(HOSTILE_NAMES) == 8
    # every stored byte sits under the lake root, one object per upload
    assert len(stored) == 8
    assert all(path.resolve().is_relative_to(root) for path in stored)
    assert LakeFile.objects.get(landing_key=keys[0][1].landing_key).original_name == "passwd.csv"


# Each builder takes the case label, so every case has its own sha256 (none is a duplicate).
def _png(label: str) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + label.encode()


def _zip(label: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", f"date,streams\n2026-01-01,5\n# {label}\n")
    return buffer.getvalue()


def _html(label: str) -> bytes:
    return f"<!DOCTYPE html><html><title>Log in</title><body>{label}</body></html>\n".encode()


# (source, a fixture that source parses): the same rows as UTF-16 without a BOM must not load.
UTF16_CASES = [
    ("spotify", "spotify/tests/fixtures/audience_timeline_four_columns.csv"),
    ("metaads", "metaads/tests/fixtures/campaigns_summary_first_18_digit_ids.csv"),
    ("submithub", "submithub/tests/fixtures/link_analytics_utm_columns.csv"),
    ("distrokid", "distrokid/tests/fixtures/statement_current_quoted.tsv"),
]
MISLABELLED = {"png": _png, "zip": _zip, "html": _html}


def _cases() -> list[tuple[str, str | None, bytes]]:
    cases: list[tuple[str, str | None, bytes]] = []
    for source in (None, "spotify", "metaads", "submithub", "tiktok", "distrokid"):
        for kind, content in MISLABELLED.items():
            label = f"{kind}-as-{source}"
            cases.append((label, source, content(label)))
    for source, fixture in UTF16_CASES:
        text = (CONNECTORS / fixture).read_bytes().decode("utf-8-sig")
        cases.append((f"utf16-as-{source}", source, text.encode("utf-16-le")))
    return cases


def test_mislabelled_content_is_quarantined_with_a_reason_and_no_rows(tmp_path: Path) -> None:
    cases = _cases()
    outcomes = {}
    for label, source, content in cases:
        path = tmp_path / f"{label}.csv"
        path.write_bytes(content)
        outcomes[label] = ingest_path(path=path, source_id=source, account="label")

    quarantined = {
        label
        for label, outcome in outcomes.items()
        if outcome.result == "rejected" and outcome.reason and not outcome.rows_out
    }
    files = LakeFile.objects.filter(pk__in=[o.lake_file_id for o in outcomes.values()])
    assert len(cases) == 22
    assert sorted(set(outcomes) - quarantined) == []
    assert files.filter(status=FileStatus.QUARANTINED).count() == 22
    assert sum(outcome.rows_out or 0 for outcome in outcomes.values()) == 0

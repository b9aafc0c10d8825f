"""Helpers of the YouTube parser tests: fixture paths, Studio zips built from fixture CSVs and
a payload builder."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from apps.sources.connectors.base import ParsedFile, Payload
from apps.sources.connectors.youtube.connector import YouTubeConnector

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED_AT = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
STUDIO_NAME = "Content 2025-03-01_2025-03-03 ZONE A0.zip"


def parse_fixture(name: str, *, account: str = "") -> ParsedFile:
    return parse_path(FIXTURES / name, account=account)


def parse_path(path: Path, *, account: str = "", original_name: str | None = None) -> ParsedFile:
    payload = Payload(
        path=path,
        original_name=path.name if original_name is None else original_name,
        account=account,
        kind="",
        captured_at=CAPTURED_AT,
    )
    return YouTubeConnector().parse(payload)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def studio_zip_path(
    directory: Path,
    *,
    table: str,
    totals: str | None = "studio_totals_mar01_to_mar03.csv",
    chart: str | None = None,
    name: str = STUDIO_NAME,
) -> Path:
    """A Studio export zip of fixture CSVs, written to `directory` under the arrival `name`."""
    entries = {"Table data.csv": (FIXTURES / table).read_bytes()}
    if chart is not None:
        entries["Chart data.csv"] = (FIXTURES / chart).read_bytes()
    if totals is not None:
        entries["Totals.csv"] = (FIXTURES / totals).read_bytes()
    path = directory / name
    path.write_bytes(zip_bytes(entries))
    return path


def parse_studio(
    directory: Path,
    *,
    table: str,
    account: str = "zonea0",
    totals: str | None = "studio_totals_mar01_to_mar03.csv",
    chart: str | None = None,
    name: str = STUDIO_NAME,
) -> ParsedFile:
    path = studio_zip_path(directory, table=table, totals=totals, chart=chart, name=name)
    return parse_path(path, account=account)


def rows(parsed: ParsedFile, dataset: str) -> list[dict[str, object]]:
    return parsed.tables[dataset].to_pylist()

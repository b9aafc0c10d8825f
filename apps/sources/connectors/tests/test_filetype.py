"""SPEC 3.3: content that contradicts its extension is quarantined by every connector."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, Payload
from apps.sources.connectors.filetype import check_extension
from apps.sources.connectors.registry import CONNECTORS


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Table data.csv", "Content,Views\nTotal,1\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (_zip_bytes(), "Table data.csv", "does not match .csv (looks like a ZIP archive)"),
        (b"\x89PNG\r\n\x1a\n....", "chart.html", "does not match .html (looks like a PNG image)"),
        (b"%PDF-1.7 ...", "report.json", "does not match .json (looks like a PDF document)"),
        (b"Date,Views\n2025-01-01,3\n", "export.zip", "does not match .zip (not a ZIP container)"),
        (b'{"data": []}', "report.xlsx", "does not match .xlsx (not a ZIP container)"),
    ],
)
def test_every_connector_refuses_content_that_contradicts_the_extension(
    tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    # given a file whose bytes contradict the extension it arrived with
    path = tmp_path / "upload"
    path.write_bytes(content)

    # when any connector parses it (the source may be forced with --source)
    for source_id, connector_class in CONNECTORS.items():
        with pytest.raises(FileRejected) as rejected:
            connector_class().parse(Payload(path=path, original_name=name, account="zonea0"))

        # then the file is quarantined with the reason SPEC 3.3 names
        assert rejected.value.message == f"content {message}", source_id


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'"Date Inserted","Reporting Date"\r', "DistroKid_1.tsv"),  # comma file named .tsv
        (b'{"streams": []}', "analytics.txt"),  # a JSON capture saved as text
        (b"\xff\xfes\x00e\x00p\x00=\x00", "Reach.csv"),  # UTF-16 Business Suite CSV
        (_zip_bytes(), "studio.zip"),
        (_zip_bytes(), "no_extension"),
        (b"", "empty.csv"),  # emptiness is each parser's own rejection
    ],
)
def test_matching_or_unchecked_content_passes(tmp_path: Path, content: bytes, name: str) -> None:
    path = tmp_path / "upload"
    path.write_bytes(content)
    check_extension(path, name)

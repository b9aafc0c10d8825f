"""DistroKidConnector: content-based sniffing and parse dispatch through the registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, Payload
from apps.sources.connectors.distrokid.connector import DistroKidConnector
from apps.sources.connectors.distrokid.parse import parse_statement
from apps.sources.connectors.distrokid.tests.helpers import CURRENT_HEADER, LEGACY_HEADER
from apps.sources.connectors.registry import connector_for, detect_source

PathOf = Callable[[str], Path]
WriteStatement = Callable[..., Path]

MIXED_HEADER = CURRENT_HEADER.replace('"Source Type"', '"Song/Album"')


@pytest.mark.parametrize(
    "name",
    [
        "statement_legacy_cr_only_latin1.tsv",
        "statement_current_quoted.tsv",
        "statement_mixed_song_album.tsv",
        "statement_negative_adjustment.tsv",
        "statement_bad_rows.tsv",
    ],
)
def test_sniff_recognises_every_fixture_as_bank_statement(fixture_path: PathOf, name: str) -> None:
    # given the head of a recorded statement
    head = fixture_path(name).read_bytes()[:65536]

    # when it is sniffed under a misleading name
    kind = DistroKidConnector().sniff(head, "holiday_photo.png")

    # then the content decides
    assert kind == "bank_statement"


@pytest.mark.parametrize("header", [LEGACY_HEADER, CURRENT_HEADER, MIXED_HEADER])
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n", ""])
def test_sniff_accepts_each_layout_with_any_line_ending(header: str, ending: str) -> None:
    # given a header line ending in CR, LF, CRLF or nothing
    head = (header + ending + "x" * 10).encode() if ending else header.encode()

    # when it is sniffed
    kind = DistroKidConnector().sniff(head, "DistroKid_1.tsv")

    # then it is a bank statement
    assert kind == "bank_statement"


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"\x89PNG\r\n\x1a\n" + LEGACY_HEADER.encode(),
        b"Date,Streams\n2025-01-01,3\n",
        b'<html><script>var chartOptions = {"theme": "light"};</script></html>',
        LEGACY_HEADER.encode() + b"\x00\n",
    ],
)
def test_sniff_refuses_other_content(head: bytes) -> None:
    # given content that is not a statement (binary, renamed column, ambiguous, other CSV, HTML)
    # when it is sniffed under a DistroKid-like name
    kind = DistroKidConnector().sniff(head, "DistroKid_1.tsv")

    # then it is not claimed
    assert kind is None


def test_registry_detects_distrokid_statement_from_content(fixture_path: PathOf) -> None:
    # given the head of a current statement
    head = fixture_path("statement_current_quoted.tsv").read_bytes()

    # when the source is detected
    matches = detect_source(head, "upload.bin")

    # then DistroKid's bank statement is the one match
    assert matches == [("distrokid", "bank_statement")]


@pytest.mark.parametrize("kind", ["", "bank_statement"])
def test_connector_parse_returns_the_statement(fixture_path: PathOf, kind: str) -> None:
    # given a payload with or without its kind
    path = fixture_path("statement_mixed_song_album.tsv")
    payload = Payload(path=path, original_name="DistroKid_1752537600.tsv", kind=kind)

    # when the connector parses it
    parsed = connector_for("distrokid").parse(payload)

    # then it is the statement parser's result
    expected = parse_statement(path)
    assert (parsed.kind, parsed.schema_id, parsed.rows_in) == ("bank_statement", "dk_mixed_15", 3)
    assert parsed.tables["statement_lines"].equals(expected.tables["statement_lines"])


@pytest.mark.parametrize(
    ("head", "missing", "unexpected"),
    [
        (LEGACY_HEADER.replace("Earnings (USD)", "Earnings"), "'Earnings (USD)'", "'Earnings'"),
        (CURRENT_HEADER.replace(',"Recoup (USD)"', ""), "'Recoup (USD)'", "none"),
    ],
)
def test_a_statement_with_a_renamed_or_missing_column_is_claimed_and_explained(
    statement_path: WriteStatement, head: str, missing: str, unexpected: str
) -> None:
    # given a statement header with one required column renamed or dropped (SPEC 3.3 drift)
    path = statement_path((head + "\n").encode())

    # when it is sniffed without --source and then parsed
    kind = DistroKidConnector().sniff(path.read_bytes(), "upload.tsv")
    with pytest.raises(FileRejected) as rejected:
        DistroKidConnector().parse(Payload(path=path, original_name="upload.tsv", kind=kind))

    # then it is still recognised as DistroKid, and the rejection lists what is missing
    assert kind == "bank_statement"
    assert f"missing columns: {missing}; unexpected columns: {unexpected}" in (
        rejected.value.message
    )


def test_connector_parse_explains_binary_content_without_a_kind(
    statement_path: WriteStatement,
) -> None:
    # given an image uploaded without a kind
    path = statement_path(b"\x89PNG\r\n\x1a\n\x00\x00")

    # when the connector parses it
    with pytest.raises(FileRejected) as rejected:
        DistroKidConnector().parse(Payload(path=path, original_name="x.tsv"))

    # then the reason says the content contradicts the name (SPEC 3.3)
    assert rejected.value.message == "content does not match .tsv (looks like a PNG image)"


def test_connector_parse_sends_chart_kinds_to_the_chart_parser(
    statement_path: WriteStatement,
) -> None:
    # given a stream-chart page with its kind, whose chart config is missing
    path = statement_path(b"<html>trend365day</html>", "stats.html")

    # when the connector parses it
    with pytest.raises(FileRejected) as rejected:
        DistroKidConnector().parse(
            Payload(path=path, original_name="stats.html", kind="streams_chart")
        )

    # then the chart parser says what is missing (test_charts.py covers the pages themselves)
    assert rejected.value.message == "trend365day block missing"

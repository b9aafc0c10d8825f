"""The Meta Business Suite CSV: UTF-16 LE with BOM, `sep=,`, a title line (SPEC 2.9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.instagram import samples
from apps.sources.connectors.instagram.parse import parse_instagram
from apps.sources.connectors.instagram.sniff import sniff_kind

WriteFile = Callable[..., Path]
FixtureBytes = Callable[[str], bytes]


def _parse(path: Path, *, account: str = "zonea0") -> ParsedFile:
    return parse_instagram(Payload(path=path, original_name=path.name, account=account))


def test_business_suite_reach_utf16_le_with_bom(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given a Reach export as Business Suite writes it
    path = write_file(fixture_bytes("business_suite_reach_utf16le_bom.csv"), "reach.csv")

    # when parsed for zonea0
    parsed = _parse(path)

    # then one reach row per calendar day as written
    assert parsed.tables["instagram_daily"].to_pylist() == [
        {"account": "zonea0", "date": date(2026, 5, 8), "metric": "reach", "value": 61},
        {"account": "zonea0", "date": date(2026, 5, 9), "metric": "reach", "value": 73},
        {"account": "zonea0", "date": date(2026, 5, 10), "metric": "reach", "value": 88},
    ]
    assert (parsed.kind, parsed.encoding, parsed.delimiter, parsed.line_ending) == (
        "business_suite_csv",
        "utf-16-le",
        ",",
        "CRLF",
    )


def test_business_suite_without_an_account_is_rejected(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given an export (it names no account) uploaded without --account
    path = write_file(fixture_bytes("business_suite_reach_utf16le_bom.csv"), "reach.csv")

    # when parsed; then rejected with the reason
    with pytest.raises(FileRejected) as rejected:
        _parse(path, account="")
    assert rejected.value.message == "account required for instagram; pass --account"


def test_business_suite_multi_section_export_is_refused_for_now(
    write_file: WriteFile, fixture_bytes: FixtureBytes
) -> None:
    # given an audience export with two sections
    path = write_file(fixture_bytes("business_suite_multi_section.csv"), "audience.csv")

    # when parsed; then refused as provisional, naming where the second section starts
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == (
        "multi-section Business Suite exports are provisional and not read yet "
        "(a second section starts on line 6: 'Age & gender')"
    )


@pytest.mark.parametrize(
    ("title", "metric", "warnings"),
    [
        ("Alcance", "reach", []),
        ("Visualizações", "views", []),
        (
            "Content interactions",
            "content_interactions",
            [
                "metric_not_in_alias_table title='Content interactions' "
                "stored_as=content_interactions"
            ],
        ),
    ],
)
def test_business_suite_title_names_the_metric(
    write_file: WriteFile, title: str, metric: str, warnings: list[str]
) -> None:
    # given an export titled in Portuguese or with a title the alias table lacks
    path = write_file(samples.suite_csv(title, [(date(2026, 5, 10), 5)]), "x.csv")

    # when parsed; then the metric comes from the title, a new one with a warning
    parsed = _parse(path)
    assert parsed.tables["instagram_daily"].column("metric").to_pylist() == [metric]
    assert parsed.warnings == warnings


def test_business_suite_wrong_header_is_rejected_with_what_was_found(write_file: WriteFile) -> None:
    # given an export whose header is not Date,Primary
    content = b"\xff\xfe" + 'sep=,\r\nReach\r\n"Day","Value"\r\n'.encode("utf-16-le")
    path = write_file(content, "x.csv")

    # when parsed; then the header found is named
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == (
        "line 3: expected the header Date,Primary; found 'Day', 'Value' "
        "(multi-section audience exports are provisional and not loaded yet)"
    )


def test_a_multi_section_audience_export_is_recognised_and_refused_with_its_headers(
    write_file: WriteFile,
) -> None:
    # given a provisional multi-section audience export (top countries, then age & gender)
    text = 'sep=,\r\nTop countries\r\n"Country","Primary"\r\n"US","0.5"\r\n\r\nAge\r\n'
    path = write_file(b"\xff\xfe" + text.encode("utf-16-le"), "audience.csv")

    # when it is sniffed without --source and parsed
    kind = sniff_kind(path.read_bytes())
    with pytest.raises(FileRejected) as rejected:
        _parse(path)

    # then it is Instagram's, and the rejection lists the headers found (SPEC provisional rule)
    assert kind == "business_suite_csv"
    assert rejected.value.message.startswith(
        "line 3: expected the header Date,Primary; found 'Country', 'Primary'"
    )


def test_business_suite_utf16_without_bom_is_rejected(write_file: WriteFile) -> None:
    # given UTF-16 text whose BOM was lost
    content = 'sep=,\r\nReach\r\n"Date","Primary"\r\n'.encode("utf-16-le")
    path = write_file(content, "x.csv")

    # when parsed; then refused as not text
    with pytest.raises(FileRejected) as rejected:
        _parse(path)
    assert rejected.value.message == "content is not text (NUL bytes; UTF-16 without a BOM?)"

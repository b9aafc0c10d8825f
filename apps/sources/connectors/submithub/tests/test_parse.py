"""SubmitHub exports (SPEC 2.10, provisional): the alias table decides the columns, statuses are
normalised, the key is the export's id or a stable hash, a foreign header is refused clearly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, RowError
from apps.sources.connectors.submithub.tests.helpers import key_of, parse_fixture, parse_path, rows


def _submission(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "submission_key": None,
        "submitted_on": None,
        "artist_name": None,
        "track_title": None,
        "outlet": None,
        "curator": None,
        "outlet_type": None,
        "status": None,
        "feedback": None,
        "listens": None,
        "shares": None,
        "clicks": None,
        "cost_credits": None,
        "cost_usd": None,
    }
    row.update(values)
    return row


GUESSED_LAYOUT_ROWS = [
    _submission(
        submission_key=key_of("2025-03-02", "ZONE A0", "NOCTURNES", "Indie Shuffle", "Jason G."),
        submitted_on=date(2025, 3, 2),
        artist_name="ZONE A0",
        track_title="NOCTURNES",
        outlet="Indie Shuffle",
        curator="Jason G.",
        outlet_type="blog",
        status="approved",
        feedback="Love the synths.\nSharing Friday.",
        listens=2,
        shares=1,
        clicks=14,
        cost_credits=Decimal(2),
        cost_usd=Decimal("1.60"),
    ),
    _submission(
        submission_key=key_of(
            "2025-03-02", "ZONE A0", "NOCTURNES", "Night Drive Synthwave", "Ava R."
        ),
        submitted_on=date(2025, 3, 2),
        artist_name="ZONE A0",
        track_title="NOCTURNES",
        outlet="Night Drive Synthwave",
        curator="Ava R.",
        outlet_type="playlist",
        status="declined",
        feedback="Not the sound of the list right now.",
        listens=1,
        shares=0,
        clicks=0,
        cost_credits=Decimal(1),
        cost_usd=Decimal("0.80"),
    ),
    _submission(
        submission_key=key_of("2025-03-03", "PIG1987", "MUD SEASON", "Lo-Fi Basement", "Marcus T."),
        submitted_on=date(2025, 3, 3),
        artist_name="PIG1987",
        track_title="MUD SEASON",
        outlet="Lo-Fi Basement",
        curator="Marcus T.",
        outlet_type="playlist",
        status="pending",
        shares=0,
        clicks=0,
        cost_credits=Decimal(3),
        cost_usd=Decimal("2.40"),
    ),
    _submission(
        submission_key=key_of("2025-03-03", "PIG1987", "MUD SEASON", "Obscure Sound", "Chris P."),
        submitted_on=date(2025, 3, 3),
        artist_name="PIG1987",
        track_title="MUD SEASON",
        outlet="Obscure Sound",
        curator="Chris P.",
        outlet_type="blog",
        status="expired",
        shares=0,
        clicks=0,
        cost_credits=Decimal(1),
        cost_usd=Decimal("0.80"),
    ),
]


def test_parse_guessed_layout_normalises_statuses_and_hashes_the_key() -> None:
    parsed = parse_fixture("submissions_guessed_layout_four_statuses.csv")
    assert rows(parsed, "submithub_submissions") == GUESSED_LAYOUT_ROWS
    assert (parsed.kind, parsed.schema_id, parsed.account) == (
        "submissions",
        "submithub_submissions_provisional_v1",
        "_",
    )
    assert (parsed.rows_in, parsed.rows_out, parsed.rejections, parsed.warnings) == (4, 4, [], [])
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("utf-8", ",", "LF")


def test_parse_export_with_an_id_keys_on_it_and_reads_other_aliases() -> None:
    # given a semicolon export with a BOM, `Submission ID`, `Decision`, `Plays`, and a Genre
    parsed = parse_fixture("submissions_with_id_other_aliases_semicolons.csv")
    assert rows(parsed, "submithub_submissions") == [
        _submission(
            submission_key="SH-1001",
            submitted_on=date(2025, 3, 5),
            artist_name="ZONE A0",
            track_title="NOCTURNES",
            outlet="Obscure Sound",
            curator="Chris P.",
            outlet_type="blog",
            status="approved",
            feedback="Great track",
            listens=3,
            clicks=7,
            cost_credits=Decimal("1.5"),
            cost_usd=Decimal("1.20"),
        ),
        _submission(
            submission_key="SH-1002",
            submitted_on=date(2025, 3, 6),
            artist_name="PIG1987",
            track_title="MUD SEASON",
            outlet="Deep Cuts TV",
            curator="Lena K.",
            outlet_type="channel",
            status="pending",
            cost_credits=Decimal(2),
            cost_usd=Decimal("1.60"),
        ),
    ]
    assert (parsed.encoding, parsed.delimiter, parsed.line_ending) == ("utf-8-sig", ";", "CRLF")
    assert parsed.warnings == ["columns_ignored names='Genre'"]


def test_parse_rejects_a_foreign_header_listing_what_it_found_and_what_is_required() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("submissions_headers_not_recognised.csv")
    assert rejected.value.message.startswith(
        "SubmitHub export header not recognised (provisional layout); headers found: "
        "'When', 'Who', 'What', 'Where'; required: submitted_on (one of: submitted on, "
        "date submitted, submission date, submitted, date, created at, created); "
        "artist_name (one of: artist, artist name, artists); "
    )
    assert rejected.value.message.endswith("status (one of: status, decision, result, outcome)")


def test_parse_link_analytics_is_refused_as_not_supported_yet() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("link_analytics_utm_columns.csv")
    assert rejected.value.message == (
        "SubmitHub link analytics (artist, track, utm_*, opened, clicked) is not supported yet: "
        "no real export of it has been seen, so nothing is loaded from it; headers found: "
        "'Artist', 'Track', 'utm_source', 'utm_medium', 'utm_campaign', 'Opened', 'Clicked'"
    )


def test_parse_rejects_a_file_with_an_unknown_status_in_1_of_3_rows() -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_fixture("submissions_unknown_status_in_1_of_3.csv")
    assert rejected.value.message == (
        "1 of 3 rows rejected (33.3%, more than the 5% allowed); first: row 3 column 'Status' "
        "invalid_value: Status 'Maybe later' is not a known status (approved, declined, "
        "pending, expired)"
    )


def test_parse_key_ignores_case_and_spacing_of_the_names(tmp_path: Path) -> None:
    # given the same submission written twice with different case and spacing
    header = "Date,Artist,Track,Outlet,Curator,Status\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "2025-03-02,ZONE A0,NOCTURNES,Indie Shuffle,Jason G.,approved\n")
    second = tmp_path / "second.csv"
    second.write_text(header + "3/2/2025, zone  a0 ,Nocturnes,INDIE SHUFFLE,jason g.,Approved\n")
    keys = [
        rows(parse_path(path), "submithub_submissions")[0]["submission_key"]
        for path in (first, second)
    ]
    assert keys == [key_of("2025-03-02", "ZONE A0", "NOCTURNES", "Indie Shuffle", "Jason G.")] * 2


def test_parse_rejects_a_repeated_submission_and_one_bad_row_out_of_many(tmp_path: Path) -> None:
    # given 42 rows: one repeats an earlier submission, one has a negative listen count
    header = "Date,Artist,Track,Outlet,Curator,Status,Listens\n"
    lines = [f"2025-03-02,ZONE A0,NOCTURNES,Outlet {n},Curator {n},approved,1" for n in range(40)]
    lines.insert(5, "2025-03-02,ZONE A0,NOCTURNES,Outlet 1,Curator 1,declined,1")
    lines.append("2025-03-03,ZONE A0,NOCTURNES,Outlet X,Curator X,approved,-2")
    path = tmp_path / "export.csv"
    path.write_text(header + "\n".join(lines) + "\n")
    parsed = parse_path(path)
    assert (parsed.rows_in, parsed.rows_out) == (42, 40)
    assert [(error.row, error.column, error.code) for error in parsed.rejections] == [
        (7, "*", "duplicate_key"),
        (43, "Listens", "negative_count"),
    ]


def test_parse_a_spreadsheet_shortened_id_falls_back_to_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "ID,Date,Artist,Track,Outlet,Curator,Status\n"
        "1.23457E+11,2025-03-02,ZONE A0,NOCTURNES,Indie Shuffle,Jason G.,approved\n"
    )
    parsed = parse_path(path)
    assert rows(parsed, "submithub_submissions")[0]["submission_key"] == key_of(
        "2025-03-02", "ZONE A0", "NOCTURNES", "Indie Shuffle", "Jason G."
    )
    assert parsed.warnings == ["id_lost_precision row=2 column='ID'"]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (
            ",ZONE A0,NOCTURNES,Blog,,approved",
            RowError(
                2, "Date", "missing_value", "date is missing", ",ZONE A0,NOCTURNES,Blog,,approved"
            ),
        ),
        (
            "13/45/2025,ZONE A0,NOCTURNES,Blog,,approved",
            RowError(
                2,
                "Date",
                "invalid_date",
                "Date '13/45/2025' is not a date",
                "13/45/2025,ZONE A0,NOCTURNES,Blog,,approved",
            ),
        ),
        (
            "2025-03-02,,NOCTURNES,Blog,,approved",
            RowError(
                2,
                "Artist",
                "missing_value",
                "Artist is missing",
                "2025-03-02,,NOCTURNES,Blog,,approved",
            ),
        ),
    ],
)
def test_parse_rejects_rows_without_their_key_fields(
    tmp_path: Path, line: str, error: RowError
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Date,Artist,Track,Outlet,Curator,Status\n" + line + "\n")
    with pytest.raises(FileRejected):
        parse_path(path)
    # the same row next to 20 good ones is rejected alone
    good = "".join(f"2025-03-02,ZONE A0,NOCTURNES,Blog {n},,approved\n" for n in range(20))
    path.write_text("Date,Artist,Track,Outlet,Curator,Status\n" + line + "\n" + good)
    assert parse_path(path).rejections == [error]

"""Malformed CSV and JSON (R14, R15): each ends in a reasoned quarantine or balanced rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload, RowError
from apps.sources.connectors.tiktok.parse import parse_tiktok

WriteFile = Callable[..., Path]
HEADER = "Date,Video Views,Profile Views,Likes,Comments,Shares"


def _parse(path: Path) -> ParsedFile:
    payload = Payload(
        path=path,
        original_name="upload.csv",
        account="zonea0",
        captured_at=datetime(2026, 1, 3, tzinfo=UTC),
    )
    return parse_tiktok(payload, max_rejected_fraction=1.0)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty (only blank lines)"),
        (b"\r\n\r\n", "file is empty (only blank lines)"),
        (
            b"Date;Video Views;Profile Views;Likes;Comments;Shares\nJanuary 1;1;1;1;1;1\n",
            "content is not a TikTok export: header 'Date;Video Views;Profile Views;Likes;"
            "Comments;Shares' matches no layout (Studio overview, content or followers; "
            "legacy Overview)",
        ),
        (
            (HEADER + '\nJanuary 1,"1,1,1,1,1\n').encode(),
            "file line 2 cannot be read as CSV: unexpected end of data",
        ),
        (
            (HEADER + "\nJanuary 1,1,1\x00,1,1,1\n").encode(),
            "file is not text (it holds NUL bytes)",
        ),
        (b"\x89PNG\r\n\x1a\n" + HEADER.encode(), "file is not text (looks like a PNG image)"),
        (
            (HEADER + ",shares\nJanuary 1,1,1,1,1,1,1\n").encode(),
            "file: column 'shares' appears twice",
        ),
        (
            b"[" * 10_000 + b"]" * 10_000,
            "content is not valid JSON: maximum recursion depth exceeded while decoding a JSON "
            "array from a unicode string",
        ),
        (b'{"count": 1, "count": ', None),
    ],
    ids=[
        "empty",
        "blank_lines",
        "semicolons",
        "unterminated_quote",
        "nul_byte",
        "png",
        "duplicate_header",
        "deep_json",
        "truncated_json",
    ],
)
def test_malformed_files_are_quarantined_with_a_reason(
    write_file: WriteFile, content: bytes, reason: str | None
) -> None:
    # given a malformed upload
    path = write_file(content, "upload.csv")

    # when it is parsed
    with pytest.raises(FileRejected) as rejected:
        _parse(path)

    # then it is quarantined with one clear reason
    if reason is not None:
        assert rejected.value.message == reason
    assert rejected.value.message


def test_ragged_rows_are_rejected_and_the_rest_loads(write_file: WriteFile) -> None:
    # given a short row and a long row between good ones
    content = (
        HEADER
        + "\nJanuary 1,1,1,1,1,1\nJanuary 2,2,2\nJanuary 3,3,3,3,3,3,3\nJanuary 3,3,3,3,3,3\n"
    ).encode()
    path = write_file(content, "upload.csv")

    # when parsed
    parsed = _parse(path)

    # then each ragged row is rejected with its line; rows balance
    assert parsed.rejections == [
        RowError(3, "*", "ragged_row", "expected 6 fields, found 3", "January 2,2,2"),
        RowError(4, "*", "ragged_row", "expected 6 fields, found 7", "January 3,3,3,3,3,3,3"),
    ]
    assert (parsed.rows_in, parsed.rows_out) == (4, 2)


def test_header_only_file_parses_to_no_rows(write_file: WriteFile) -> None:
    # given a header and nothing else
    path = write_file((HEADER + "\n").encode(), "upload.csv")

    # when parsed; then an empty result, not an error
    parsed = _parse(path)
    assert (parsed.rows_in, parsed.tables) == (0, {})


def test_mixed_encoding_is_read_as_cp1252_text(write_file: WriteFile) -> None:
    # given a Portuguese header in cp1252 (not valid UTF-8)
    header = (
        "Data,Visualizações de vídeo,Visualizações do perfil,Curtidas,Comentários,Compartilhamentos"
    )
    content = (header + "\n1 de janeiro,5,1,1,1,1\n").encode("cp1252")
    path = write_file(content, "upload.csv")

    # when parsed; then the aliases still match and the encoding is recorded
    parsed = _parse(path)
    assert (parsed.encoding, parsed.rows_out) == ("cp1252", 1)

"""Arbitrary input ends as a parsed file or a FileRejected, never as another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected
from apps.sources.connectors.distrokid.connector import DistroKidConnector
from apps.sources.connectors.distrokid.parse import parse_statement
from apps.sources.connectors.distrokid.tests.helpers import (
    CURRENT_HEADER,
    LEGACY_HEADER,
    current_fields,
    quoted_line,
)
from apps.sources.datasets import STATEMENT_LINES

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Bytes that make the parser's decisions: separators, quotes, line breaks, digits, signs.
_INTERESTING = st.sampled_from(
    [b"\t", b",", b'"', b"\r", b"\n", b"\r\n", b"-", b".", b"0", b"7", b"2025-01-31", b"\xe9", b" "]
)
_BODY = st.lists(st.one_of(_INTERESTING, st.binary(max_size=12)), max_size=60).map(b"".join)


def _outcome(content: bytes) -> str:
    """Parse `content` from a real file; check the invariants of whatever comes back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "DistroKid_1.tsv"
        path.write_bytes(content)
        try:
            parsed = parse_statement(path)
        except FileRejected as rejected:
            event("rejected")
            return "rejected" if rejected.message else "rejected without a reason"
    table = parsed.tables["statement_lines"]
    assert table.schema.equals(STATEMENT_LINES.schema)
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert table.num_rows == parsed.rows_out
    assert all(error.row >= 2 for error in parsed.rejections)
    event("parsed")
    return "parsed"


@FUZZ
@given(content=st.binary(max_size=2048))
def test_parse_statement_never_fails_on_arbitrary_bytes(content: bytes) -> None:
    # given any bytes; when parsed; then a result or a FileRejected
    assert _outcome(content) in {"parsed", "rejected"}


@FUZZ
@given(
    header=st.sampled_from([LEGACY_HEADER.encode(), CURRENT_HEADER.encode()]),
    ending=st.sampled_from([b"\r", b"\n", b"\r\n"]),
    body=_BODY,
)
def test_parse_statement_never_fails_on_garbage_after_a_valid_header(
    header: bytes, ending: bytes, body: bytes
) -> None:
    # given a real header followed by arbitrary lines; when parsed; then a result or a rejection
    assert _outcome(header + ending + body) in {"parsed", "rejected"}


@FUZZ
@given(
    fields=st.lists(
        st.lists(
            st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
            min_size=13,
            max_size=13,
        ),
        max_size=8,
    ),
)
def test_parse_statement_never_fails_on_legacy_lines_of_any_text(fields: list[list[str]]) -> None:
    # given legacy lines with arbitrary text in every field; when parsed; then no crash
    lines = [LEGACY_HEADER, *("\t".join(row) for row in fields)]
    content = "\r".join(lines).encode("utf-8")
    assert _outcome(content) in {"parsed", "rejected"}


@FUZZ
@given(head=st.binary(max_size=4096))
def test_sniff_never_fails_on_arbitrary_bytes(head: bytes) -> None:
    # given any head; when sniffed; then a kind or None
    kinds = {None, "bank_statement", "streams_chart", "apple_chart"}
    assert DistroKidConnector().sniff(head, "x.tsv") in kinds


# Any text a field can hold without ending its line (CR, LF) or making the file binary (NUL).
_FIELD_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"),
    max_size=10,
)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.none(),
            st.tuples(st.integers(min_value=0, max_value=14), _FIELD_TEXT),
        ),
        min_size=1,
        max_size=12,
    ),
    ending=st.sampled_from(["\r", "\n", "\r\n"]),
)
def test_parse_statement_keeps_every_untouched_line_at_its_line_number(
    lines: list[tuple[int, str] | None], ending: str
) -> None:
    # given valid current lines, some with one field replaced by arbitrary text
    rows = []
    for change in lines:
        fields = current_fields()
        if change is not None:
            fields[change[0]] = change[1]
        rows.append(quoted_line(fields))
    content = ending.join([CURRENT_HEADER, *rows]) + ending
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "DistroKid_1.tsv"
        path.write_bytes(content.encode("utf-8"))

        # when it is parsed with the share limit lifted
        parsed = parse_statement(path, max_rejected_fraction=1.0)

    # then every untouched line is kept at its physical line, and the rows balance
    kept = set(parsed.tables["statement_lines"].column("line_number").to_pylist())
    untouched = {number + 2 for number, change in enumerate(lines) if change is None}
    assert untouched <= kept
    assert parsed.rows_in == len(lines) == parsed.rows_out + len(parsed.rejections)
    assert {error.row for error in parsed.rejections}.isdisjoint(kept)

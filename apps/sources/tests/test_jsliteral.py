"""The tolerant literal reader: JS quirks read as data, code kept opaque, nothing evaluated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.connectors.jsliteral import (
    MAX_DEPTH,
    LineIndex,
    LiteralError,
    Node,
    Opaque,
    read_document,
    read_value,
)


def plain(node: Node) -> object:
    """A node tree as plain Python values, for comparing whole literals."""
    if isinstance(node.value, dict):
        return {key: plain(child) for key, child in node.value.items()}
    if isinstance(node.value, list):
        return [plain(child) for child in node.value]
    return node.value


def test_read_value_reads_loose_javascript_as_data() -> None:
    # given a literal with unquoted and single-quoted keys, comments and trailing commas
    text = """{
        type: 'serial', // chart type
        "id": "trend365day",
        /* points */ 'dataProvider': [{category: "2025-01-01", "column-1": 3,},],
        12: true, off: false, none: null, gone: undefined,
    }"""

    # when it is read, then every value is data
    assert plain(read_value(text, 0)) == {
        "type": "serial",
        "id": "trend365day",
        "dataProvider": [{"category": "2025-01-01", "column-1": Decimal(3)}],
        "12": True,
        "off": False,
        "none": None,
        "gone": None,
    }


def test_read_value_keeps_code_as_opaque_text_and_reads_past_it() -> None:
    # given functions (with braces and strings inside), a reference, NaN and a hex number
    text = (
        '{f: function (v) { return {a: "}", b: [1, 2]}; }, data: chartData.byMonth, '
        "n: NaN, h: 0x1F, t: `a ${b} }`, after: 1}"
    )

    # when it is read
    values = plain(read_value(text, 0))

    # then each is opaque source text and the value after them is still read
    assert values == {
        "f": Opaque('function (v) { return {a: "}", b: [1, 2]}; }'),
        "data": Opaque("chartData.byMonth"),
        "n": Opaque("NaN"),
        "h": Opaque("0x1F"),
        "t": Opaque("`a ${b} }`"),
        "after": Decimal(1),
    }


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        (r'"caf\u00e9"', "café"),
        (r"'it\'s'", "it's"),
        (r'"\ud83c\udfb5 pair"', "\U0001f3b5 pair"),
        (r'"lone \ud800 half"', "lone \ufffd half"),
        (r'"\x41\u{1F600}\n\t\/"', "A\U0001f600\n\t/"),
        ('"line \\\ncontinued"', "line continued"),
    ],
)
def test_read_value_decodes_string_escapes(literal: str, text: str) -> None:
    assert read_value(literal, 0).value == text


def test_read_value_keeps_numbers_exact() -> None:
    assert plain(read_value("[0.1, -2, 1e3, .5, 3.45000000]", 0)) == [
        Decimal("0.1"),
        Decimal("-2"),
        Decimal("1E+3"),
        Decimal("0.5"),
        Decimal("3.45000000"),
    ]


def test_read_value_gives_each_value_its_span_and_line() -> None:
    # given a literal over several lines, CRLF and CR included
    text = 'var x = [\r\n  {"a": 1},\r  {"a": 2}\n];'
    array = read_value(text, text.index("["))
    lines = LineIndex(text)

    # then each item knows where it is
    first, second = array.items()
    assert text[first.start : first.end] == '{"a": 1}'
    assert (lines.line_of(first.start), lines.line_of(second.start)) == (2, 3)
    assert text[array.start : array.end] == text[8:-1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a" 1}', "expected ':' after key 'a'"),
        ("[1 2]", "expected ',' or ']'"),
        ('{"a": "open', "unterminated string"),
        ("{a: f(1, 2}", "unbalanced '}' in an expression"),
        ("", "expected a value"),
        ("[" * (MAX_DEPTH + 2), f"nested deeper than {MAX_DEPTH} levels"),
    ],
)
def test_read_value_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(LiteralError) as error:
        read_value(text, 0)
    assert error.value.message == message


def test_read_document_refuses_text_after_the_value_and_later_keys_win() -> None:
    assert plain(read_document(' {"a": 1, "a": 2}\n')) == {"a": Decimal(2)}
    with pytest.raises(LiteralError) as error:
        read_document('{"a": 1} trailing')
    assert (error.value.message, error.value.position) == ("unexpected text after the value", 9)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="{}[]()'\"`,:;/*\\ \n\r0123456789-.eaxtrufnl$_", max_size=80))
def test_read_value_ends_in_a_node_or_a_literal_error(text: str) -> None:
    try:
        node = read_value(text, 0)
    except LiteralError:
        return
    assert 0 <= node.start <= node.end <= len(text)

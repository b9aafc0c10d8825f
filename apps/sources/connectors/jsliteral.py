"""A tolerant reader of JavaScript object literals and JSON: data out of vendor pages, never eval.

Chart pages embed their data as JS literals that are not strict JSON: trailing commas, single
quotes, unquoted keys, comments, and now and then a function or a variable as a value. This
reader returns every value with its place in the text, so a rejected row can name its line.
A value that is code rather than data (`function () {...}`, `NaN`, `chartData.byMonth`) is kept
as `Opaque` source text instead of failing the whole object. Numbers stay exact (`Decimal`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Deeper nesting than this is not chart data; the limit also keeps recursion far from Python's.
MAX_DEPTH = 64

_SPACE = re.compile(r"(?:\s+|//[^\n\r]*|/\*.*?\*/)*", re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_IDENTIFIER_CHAR = re.compile(r"[\w$.]")
_STRINGS = {
    '"': re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL),
    "'": re.compile(r"'((?:[^'\\]|\\.)*)'", re.DOTALL),
    "`": re.compile(r"`((?:[^`\\]|\\.)*)`", re.DOTALL),
}
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_LINE_CONTINUATIONS = frozenset({"\r\n", "\n", "\r", "\u2028", "\u2029"})
_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters an opaque expression is scanned by: quotes, brackets and the separators that end it.
_EXPRESSION_STOP = re.compile(r"[\"'`()\[\]{},;]")
_CLOSER = {"(": ")", "[": "]", "{": "}"}
_WORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None, "undefined": None}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class LiteralError(ValueError):
    """The text holds no literal where one was expected; `position` is where reading stopped."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Opaque:
    """A value that is code, not data (a function, a variable, `NaN`), as its source text."""

    text: str


Scalar = str | Decimal | bool | None | Opaque


@dataclass(frozen=True)
class Node:
    """One value and the span of text it was read from (`text[start:end]`)."""

    value: Scalar | list[Node] | dict[str, Node]
    start: int
    end: int

    @property
    def is_object(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_array(self) -> bool:
        return isinstance(self.value, list)

    def member(self, key: str) -> Node | None:
        """The value under `key` when this is an object that has it, else None."""
        return self.value.get(key) if isinstance(self.value, dict) else None

    def members(self) -> dict[str, Node]:
        return self.value if isinstance(self.value, dict) else {}

    def items(self) -> list[Node]:
        return self.value if isinstance(self.value, list) else []


class LineIndex:
    """Text offset -> 1-based line number, with CR, LF and CRLF all ending a line."""

    def __init__(self, text: str) -> None:
        self._line_starts = [match.end() for match in _LINE_BREAK.finditer(text)]

    def line_of(self, position: int) -> int:
        return bisect_right(self._line_starts, position) + 1


def read_value(text: str, position: int) -> Node:
    """The literal starting at `position` (after any spaces or comments); the rest is ignored."""
    return _Reader(text, position).value(depth=0)


def read_document(text: str) -> Node:
    """The one literal a whole text holds (JSON); anything but spaces after it is an error."""
    reader = _Reader(text, 0)
    node = reader.value(depth=0)
    reader.skip_space()
    if reader.position < len(text):
        raise LiteralError("unexpected text after the value", reader.position)
    return node


class _Reader:
    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def skip_space(self) -> None:
        match = _SPACE.match(self.text, self.position)
        if match:
            self.position = match.end()

    def _peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def _fail(self, message: str) -> LiteralError:
        return LiteralError(message, self.position)

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self._fail(f"nested deeper than {MAX_DEPTH} levels")
        self.skip_space()
        char = self._peek()
        if char == "{":
            return self._object(depth)
        if char == "[":
            return self._array(depth)
        if char in _STRINGS:
            start = self.position
            text = self._string()
            if char == "`" and "${" in self.text[start : self.position]:
                # A template that interpolates is code; without `${` it is just a string.
                return Node(Opaque(self.text[start : self.position]), start, self.position)
            return Node(text, start, self.position)
        return self._number_or_word() or self._opaque()

    def _object(self, depth: int) -> Node:
        start = self.position
        self.position += 1
        members: dict[str, Node] = {}
        while True:
            self.skip_space()
            if self._peek() == "}":
                self.position += 1
                return Node(members, start, self.position)
            key = self._key()
            self.skip_space()
            if self._peek() != ":":
                raise self._fail(f"expected ':' after key {key[:40]!r}")
            self.position += 1
            # A repeated key takes the later value, as a JavaScript engine would.
            members[key] = self.value(depth + 1)
            self._after_item("}")

    def _array(self, depth: int) -> Node:
        start = self.position
        self.position += 1
        items: list[Node] = []
        while True:
            self.skip_space()
            if self._peek() == "]":
                self.position += 1
                return Node(items, start, self.position)
            items.append(self.value(depth + 1))
            self._after_item("]")

    def _after_item(self, closer: str) -> None:
        """Step over the comma after an item; a trailing comma before the closer is allowed."""
        self.skip_space()
        char = self._peek()
        if char == ",":
            self.position += 1
        elif char != closer:
            raise self._fail(f"expected ',' or {closer!r}")

    def _key(self) -> str:
        char = self._peek()
        if char in _STRINGS and char != "`":
            return self._string()
        match = _WORD.match(self.text, self.position) or _NUMBER.match(self.text, self.position)
        if not match:
            raise self._fail("expected a key")
        self.position = match.end()
        return match.group()

    def _string(self) -> str:
        match = _STRINGS[self._peek()].match(self.text, self.position)
        if not match:
            raise self._fail("unterminated string")
        self.position = match.end()
        return _unescaped(match.group(1))

    def _number_or_word(self) -> Node | None:
        start = self.position
        match = _NUMBER.match(self.text, start) or _WORD.match(self.text, start)
        if not match or _IDENTIFIER_CHAR.match(self.text, match.end()):
            # `0x1F`, `1px`, `chartData.byMonth`: code, read as an opaque expression.
            return None
        word = match.group()
        if word in _WORDS:
            self.position = match.end()
            return Node(_WORDS[word], start, self.position)
        if word[0].isalpha() or word[0] in "_$":
            return None
        try:
            number = Decimal(word)
        except InvalidOperation:
            return None
        self.position = match.end()
        return Node(number, start, self.position)

    def _opaque(self) -> Node:
        """Skip an expression to the `,` `}` `]` `;` that ends it, brackets and strings balanced."""
        start = self.position
        closers: list[str] = []
        while True:
            match = _EXPRESSION_STOP.search(self.text, self.position)
            if match is None:
                self.position = len(self.text)
                break
            self.position = match.start()
            char = match.group()
            if char in _STRINGS:
                self._string()
                continue
            if char in _CLOSER:
                closers.append(_CLOSER[char])
            elif char in ")]}" and closers:
                if closers.pop() != char:
                    raise self._fail(f"unbalanced {char!r} in an expression")
            elif not closers:
                break
            self.position += 1
        if closers:
            raise self._fail("unterminated expression")
        source = self.text[start : self.position].strip()
        if not source:
            raise LiteralError("expected a value", start)
        return Node(Opaque(source), start, self.position)


def _unescaped(body: str) -> str:
    if "\\" in body:
        body = _ESCAPE.sub(_escape_value, body)
    if _SURROGATE.search(body):
        # Pairs written as two \u escapes become one character; a lone half becomes U+FFFD,
        # because text with a lone surrogate cannot be stored as UTF-8 downstream.
        body = body.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return body


def _escape_value(match: re.Match[str]) -> str:
    code = match.group(1)
    if code.startswith("u{"):
        point = int(code[2:-1], 16)
        return chr(point) if point <= 0x10FFFF else "\ufffd"
    if len(code) > 1 and code[0] in "ux":
        return chr(int(code[1:], 16))
    if code in _LINE_CONTINUATIONS:
        return ""
    return _SIMPLE_ESCAPES.get(code, code)

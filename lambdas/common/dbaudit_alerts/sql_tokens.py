"""PostgreSQL's lexical rules, as far as finding every string literal and comment needs them.

Redaction must know exactly where a literal starts and ends, which regular expressions over raw
text cannot tell: ``PASSWORD /*c*/ 'x'``, ``E'it\\'s'``, ``U&'...' UESCAPE '!'``, ``$tag$...$tag$``
and ``'a'`` newline ``'b'`` (one literal) are all valid. This follows the server's scanner
(``src/backend/parser/scan.l``) for: whitespace, ``--`` and nested ``/* */`` comments, standard
strings ('' doubled; backslash escapes too when ``standard_conforming_strings`` is off), E''
escape strings, U&'' Unicode strings, B''/X'' bit strings, N'' national strings, dollar quotes,
quoted identifiers ("..." and U&"..."), positional parameters, numbers, operators, punctuation
and identifiers. An unterminated literal, identifier or comment runs to the end of the text.

Every scan is a forward pass with non-backtracking patterns, so the cost is linear in the text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

WHITESPACE = "whitespace"
COMMENT = "comment"
STRING = "string"
QUOTED_IDENT = "quoted_ident"
IDENT = "ident"
PARAM = "param"
NUMBER = "number"
OPERATOR = "operator"
PUNCT = "punct"
OTHER = "other"

TRIVIA = frozenset({WHITESPACE, COMMENT})

_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_LINE_COMMENT = re.compile(r"--[^\n\r]*")
_COMMENT_MARK = re.compile(r"/\*|\*/")
_IDENT = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*")
_NUMBER = re.compile(r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[A-Za-z0-9_]*")
_PARAM = re.compile(r"\$\d+")
_DOLLAR_DELIM = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")
_OPERATOR = re.compile(r"[~!@#^&|`?+\-*/%<>=]+")
_PUNCT = re.compile(r"::|:=|[(),;\[\].:]")
# Bodies of quoted text, written so that no part can match the same characters two ways.
_BODY_DOUBLED = re.compile(r"[^']*(?:''[^']*)*")
_BODY_BACKSLASH = re.compile(r"[^'\\]*(?:(?:''|\\.)[^'\\]*)*", re.DOTALL)
_BODY_BIT = re.compile(r"[^']*")
_BODY_IDENT = re.compile(r'[^"]*(?:""[^"]*)*')

_ESCAPES_DOUBLED = re.compile(r"''")
_ESCAPES_BACKSLASH = re.compile(
    r"''|\\(?:[0-7]{1,3}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.DOTALL)
_ESCAPES_IDENT = re.compile(r'""')
_CONTROL_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: ``text[start:end]``.

    For strings, quoted identifiers and comments, ``parts`` are the spans of their content (between
    the quotes, after ``/*``): several when string constants separated by a newline were joined.
    ``prefix`` is the string kind: ``""``, ``"E"``, ``"U&"``, ``"B"``, ``"X"``, ``"N"``, or the
    dollar-quote delimiter (``"$$"``, ``"$tag$"``); ``"U&"`` for a Unicode quoted identifier.
    """

    kind: str
    start: int
    end: int
    prefix: str = ""
    parts: tuple[tuple[int, int], ...] = ()
    terminated: bool = True

    @property
    def content_span(self) -> tuple[int, int]:
        """From the first content character to the last (joined parts included)."""
        return self.parts[0][0], self.parts[-1][1]


def _quoted_body(text: str, quote_at: int, body: re.Pattern) -> tuple[int, int, bool]:
    """Content span of the quoted text opened at ``quote_at`` and the index after it."""
    content_end = body.match(text, quote_at + 1).end()
    if content_end < len(text) and text[content_end] == text[quote_at]:
        return content_end, content_end + 1, True
    return len(text), len(text), False


def _continuation_quote(text: str, index: int) -> int | None:
    """Index of the quote continuing a string constant that ended at ``index``, if any.

    SQL joins constants separated only by whitespace with at least one newline (``--`` comments
    allowed, block comments not): ``'a'`` newline ``'b'`` is ``'ab'``.
    """
    length, newline = len(text), False
    while index < length:
        char = text[index]
        if char in "\n\r":
            newline = True
            index += 1
        elif char in " \t\f" or (char == "\v" and newline):
            index += 1
        elif text.startswith("--", index):
            index = _LINE_COMMENT.match(text, index).end()
        else:
            break
    if newline and index < length and text[index] == "'":
        return index
    return None


def _block_comment_end(text: str, start: int) -> tuple[int, int, bool]:
    """Content end, token end and whether the (nested) comment opened at ``start`` is closed."""
    depth, position = 1, start + 2
    while True:
        mark = _COMMENT_MARK.search(text, position)
        if mark is None:
            return len(text), len(text), False
        depth += 1 if mark.group() == "/*" else -1
        position = mark.end()
        if depth == 0:
            return mark.start(), position, True


def _string(text: str, start: int, quote_at: int, prefix: str, body: re.Pattern) -> Token:
    parts = []
    while True:
        content_end, end, terminated = _quoted_body(text, quote_at, body)
        parts.append((quote_at + 1, content_end))
        if not terminated:
            break
        quote_at = _continuation_quote(text, end)
        if quote_at is None:
            break
    return Token(STRING, start, end, prefix, tuple(parts), terminated)


def _dollar_string(text: str, start: int, delimiter: str) -> Token:
    content_start = start + len(delimiter)
    close = text.find(delimiter, content_start)
    if close < 0:
        return Token(STRING, start, len(text), delimiter, ((content_start, len(text)),), False)
    return Token(STRING, start, close + len(delimiter), delimiter, ((content_start, close),))


def _operator_end(text: str, start: int) -> int:
    """End of the operator at ``start``: a run of operator characters, cut where a comment begins."""
    end = _OPERATOR.match(text, start).end()
    run = text[start:end]
    cuts = [cut for cut in (run.find("--", 1), run.find("/*", 1)) if cut > 0]
    return start + min(cuts) if cuts else end


def tokenize(text: str, *, standard_conforming_strings: bool = True) -> list[Token]:
    """Every token of ``text``, whitespace and comments included, in order and without gaps."""
    tokens: list[Token] = []
    append = tokens.append
    standard_body = _BODY_DOUBLED if standard_conforming_strings else _BODY_BACKSLASH
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        following = text[index + 1] if index + 1 < length else ""
        if char in " \t\n\r\f\v":
            end = _SPACE.match(text, index).end()
            append(Token(WHITESPACE, index, end))
        elif char == "-" and following == "-":
            end = _LINE_COMMENT.match(text, index).end()
            append(Token(COMMENT, index, end, parts=((index + 2, end),)))
        elif char == "/" and following == "*":
            content_end, end, closed = _block_comment_end(text, index)
            append(Token(COMMENT, index, end, parts=((index + 2, content_end),), terminated=closed))
        elif char == "'":
            append(_string(text, index, index, "", standard_body))
        elif following == "'" and char in "eEbBxXnN":
            upper = char.upper()
            body = {"E": _BODY_BACKSLASH, "B": _BODY_BIT, "X": _BODY_BIT, "N": standard_body}[upper]
            append(_string(text, index, index + 1, upper, body))
        elif char in "uU" and following == "&" and text[index + 2:index + 3] in ("'", '"'):
            if text[index + 2] == "'":
                append(_string(text, index, index + 2, "U&", _BODY_DOUBLED))
            else:
                content_end, end, terminated = _quoted_body(text, index + 2, _BODY_IDENT)
                append(Token(QUOTED_IDENT, index, end, "U&", ((index + 3, content_end),), terminated))
        elif char == '"':
            content_end, end, terminated = _quoted_body(text, index, _BODY_IDENT)
            append(Token(QUOTED_IDENT, index, end, "", ((index + 1, content_end),), terminated))
        elif char == "$":
            param = _PARAM.match(text, index)
            delimiter = None if param else _DOLLAR_DELIM.match(text, index)
            if param:
                append(Token(PARAM, index, param.end()))
            elif delimiter:
                append(_dollar_string(text, index, delimiter.group()))
            else:
                append(Token(OTHER, index, index + 1))
        elif (identifier := _IDENT.match(text, index)) is not None:
            append(Token(IDENT, index, identifier.end()))
        elif char.isdigit() or (char == "." and following.isdigit()):
            append(Token(NUMBER, index, _NUMBER.match(text, index).end()))
        elif (punct := _PUNCT.match(text, index)) is not None:
            append(Token(PUNCT, index, punct.end()))
        elif char in "~!@#^&|`?+-*/%<>=":
            append(Token(OPERATOR, index, _operator_end(text, index)))
        else:
            append(Token(OTHER, index, index + 1))
        index = tokens[-1].end
    return tokens


class DecodedText:
    """The value a string literal, quoted identifier or comment stands for, and where each of its
    characters came from, so that a span found in the value can be mapped back to the raw text."""

    def __init__(self, origin: int) -> None:
        self._origin = origin  # where the content starts in the raw text
        self._chunks: list[str] = []
        self._starts: list[int] = []  # value index where each piece begins
        self._pieces: list[tuple[int, int, bool]] = []  # raw start, raw end, copied verbatim
        self._length = 0

    def add(self, value: str, raw_start: int, raw_end: int, verbatim: bool) -> None:
        if not value:
            return
        self._chunks.append(value)
        self._starts.append(self._length)
        self._pieces.append((raw_start, raw_end, verbatim))
        self._length += len(value)

    @property
    def value(self) -> str:
        return "".join(self._chunks)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw text span holding value characters ``start`` to ``end`` (end exclusive)."""
        if not self._pieces:
            return self._origin, self._origin
        if end <= start:  # an empty span: the point where it would be
            raw = self._raw_at(start, first=True) if start < self._length else self._pieces[-1][1]
            return raw, raw
        return self._raw_at(start, first=True), self._raw_at(end - 1, first=False)

    def _raw_at(self, position: int, first: bool) -> int:
        piece = bisect.bisect_right(self._starts, position) - 1
        raw_start, raw_end, verbatim = self._pieces[piece]
        if verbatim:
            offset = position - self._starts[piece]
            return raw_start + offset if first else raw_start + offset + 1
        return raw_start if first else raw_end


def _decode_escape(escape: str, escape_char: str) -> str:
    """The character an E'' (``escape_char`` None) or U&'' escape sequence stands for."""
    body = escape[1:]
    try:
        if escape_char is None:
            if body[0] in "01234567":
                return chr(int(body, 8) & 0xFF)
            if body[0] == "x" and len(body) > 1:
                return chr(int(body[1:], 16))
            if body[0] in "uU" and len(body) > 1:
                return chr(int(body[1:], 16))
            return _CONTROL_ESCAPES.get(body, body)
        if body == escape_char:
            return escape_char
        return chr(int(body.lstrip("+"), 16))
    except (ValueError, OverflowError):
        return "\ufffd"


def _unicode_escapes(escape_char: str) -> re.Pattern:
    char = re.escape(escape_char)
    return re.compile(rf"''|{char}(?:{char}|\+[0-9A-Fa-f]{{6}}|[0-9A-Fa-f]{{4}})")


def decode(text: str, token: Token, *, standard_conforming_strings: bool = True,
           unicode_escape: str = "\\") -> DecodedText:
    """What ``token``'s content means (escapes resolved, joined parts concatenated)."""
    if token.kind == QUOTED_IDENT:
        escapes = _unicode_escapes(unicode_escape) if token.prefix == "U&" else _ESCAPES_IDENT
        escape_char = unicode_escape if token.prefix == "U&" else ""
    elif token.kind != STRING or token.prefix.startswith("$") or token.prefix in ("B", "X"):
        escapes, escape_char = None, ""
    elif token.prefix == "E" or (token.prefix in ("", "N") and not standard_conforming_strings):
        escapes, escape_char = _ESCAPES_BACKSLASH, None
    elif token.prefix == "U&":
        escapes, escape_char = _unicode_escapes(unicode_escape), unicode_escape
    else:
        escapes, escape_char = _ESCAPES_DOUBLED, ""
    decoded = DecodedText(token.parts[0][0])
    for start, end in token.parts:
        position = start
        if escapes is not None:
            for escape in escapes.finditer(text, start, end):
                decoded.add(text[position:escape.start()], position, escape.start(), True)
                sequence = escape.group()
                if sequence in ("''", '""'):
                    value = sequence[0]
                elif escape_char == "":
                    value = sequence
                else:
                    value = _decode_escape(sequence, escape_char)
                decoded.add(value, escape.start(), escape.end(), False)
                position = escape.end()
        decoded.add(text[position:end], position, end, True)
    return decoded

"""PostgreSQL's lexical rules, as far as finding every string literal and comment needs them.

Redaction must know exactly where a literal starts and ends, which regular expressions over raw
text cannot tell: ``PASSWORD /*c*/ 'x'``, ``E'it\\'s'``, ``U&'...' UESCAPE '!'``, ``$tag$...$tag$``
and ``'a'`` newline ``'b'`` (one literal) are all valid. This follows the server's scanner
(``src/backend/parser/scan.l``) for: whitespace, ``--`` and nested ``/* */`` comments, standard
strings ('' doubled; backslash escapes too when ``standard_conforming_strings`` is off), E''
escape strings, U&'' Unicode strings, B''/X'' bit strings, N'' national strings, dollar quotes,
quoted identifiers ("..." and U&"..."), positional parameters, numbers, operators, punctuation
and identifiers (whitespace separates tokens and is not one). An unterminated literal, identifier
or comment runs to the end of the text.

Every scan is a forward pass with non-backtracking patterns, so the cost is linear in the text.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

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

_LINE_COMMENT = re.compile(r"--[^\n\r]*")
_COMMENT_MARK = re.compile(r"/\*|\*/")
_PARAM = re.compile(r"\$\d+")
_DOLLAR_DELIM = re.compile(r"\$(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?\$")
_IDENT_CHAR = r"A-Za-z0-9_$\u0080-\U0010ffff"
# Where a comment, string, quoted identifier, parameter or dollar quote begins. A prefix (E'x', U&'x')
# or a dollar sign right after an identifier character belongs to that identifier instead.
_NEXT_SPECIAL = re.compile(
    rf"(?<![{_IDENT_CHAR}])(?:[eEbBxXnN]'|[uU]&['\"]|\$)|['\"]|--|/\*")
_SPECIAL_AT = re.compile(r"[eEbBxXnN]'|[uU]&['\"]|['\"$]|--|/\*")
# The tokens between two of those: one match per token (any other character is a token of its own).
_ORDINARY_TOKEN = re.compile(
    rf"(?P<{WHITESPACE}>[ \t\n\r\f\v]+)"
    rf"|(?P<{IDENT}>[A-Za-z_\u0080-\U0010ffff][{_IDENT_CHAR}]*)"
    rf"|(?P<{NUMBER}>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[A-Za-z0-9_]*)"
    rf"|(?P<{PUNCT}>::|:=|[(),;\[\].:])"
    rf"|(?P<{OPERATOR}>[~!@#^&|`?+\-*/%<>=]+)"
    rf"|(?P<{OTHER}>.)", re.DOTALL)
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


class Token(NamedTuple):
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


def tokenize(text: str, *, standard_conforming_strings: bool = True) -> list[Token]:
    """Every token of ``text`` in order, comments included; what lies between two tokens is whitespace.

    A search for the next comment, quote or dollar sign skips ordinary text in one step; the
    ordinary tokens before it are split by one pattern, so a long statement is cheap.
    """
    tokens: list[Token] = []
    append, new = tokens.append, tuple.__new__
    standard_body = _BODY_DOUBLED if standard_conforming_strings else _BODY_BACKSLASH
    position, length = 0, len(text)
    while position < length:
        # Right after a token the look-behind does not apply: $a$x$a$$b$y$b$ is two dollar quotes.
        special = _SPECIAL_AT.match(text, position) or _NEXT_SPECIAL.search(text, position)
        region_end = special.start() if special else length
        tokens += [new(Token, (match.lastgroup, match.start(), match.end(), "", (), True))
                   for match in _ORDINARY_TOKEN.finditer(text, position, region_end)
                   if match.lastgroup != WHITESPACE]
        if special is None:
            break
        token = _special_token(text, special.start(), special.group(), standard_body)
        append(token)
        position = token.end
    return tokens


def _special_token(text: str, index: int, opening: str, standard_body: re.Pattern) -> Token:
    """The comment, string, quoted identifier, parameter or dollar quote that ``opening`` begins."""
    if opening == "--":
        end = _LINE_COMMENT.match(text, index).end()
        return Token(COMMENT, index, end, parts=((index + 2, end),))
    if opening == "/*":
        content_end, end, closed = _block_comment_end(text, index)
        return Token(COMMENT, index, end, parts=((index + 2, content_end),), terminated=closed)
    if opening == "'":
        return _string(text, index, index, "", standard_body)
    if opening == '"' or opening[-1] == '"':  # "ident" or U&"ident"
        quote_at = index + len(opening) - 1
        content_end, end, terminated = _quoted_body(text, quote_at, _BODY_IDENT)
        prefix = "U&" if len(opening) > 1 else ""
        return Token(QUOTED_IDENT, index, end, prefix, ((quote_at + 1, content_end),), terminated)
    if opening == "$":
        param = _PARAM.match(text, index)
        if param:
            return Token(PARAM, index, param.end())
        delimiter = _DOLLAR_DELIM.match(text, index)
        if delimiter:
            return _dollar_string(text, index, delimiter.group())
        return Token(OTHER, index, index + 1)
    prefix = opening[:-1].upper()  # E, B, X, N, U&
    body = {"E": _BODY_BACKSLASH, "B": _BODY_BIT, "X": _BODY_BIT, "N": standard_body, "U&": _BODY_DOUBLED}[prefix]
    return _string(text, index, index + len(opening) - 1, prefix, body)


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

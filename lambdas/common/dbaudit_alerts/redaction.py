"""Removing passwords and secrets from SQL text before a human or a log sees it.

pgAudit redacts the password of CREATE/ALTER ROLE itself, but not function arguments, bound
parameters or connection strings, and DAS ``commandText`` is the statement as sent. An alert
e-mail is a poor place for a credential, so every statement that leaves these functions goes
through ``redact_sql``. It is deliberately greedy: a redacted non-secret costs less than a
leaked secret.

The statement is split into tokens by PostgreSQL's own lexical rules (``sql_tokens``), so a
comment between PASSWORD and its literal, an E'' or U&'' string, a dollar quote or a literal
continued on the next line is seen as the server sees it. On the tokens:

- the literal after a secret-named key is masked: ``PASSWORD 'x'``, ``ENCRYPTED PASSWORD $$x$$``,
  ``OPTIONS (password 'x')``, ``api_key = 'x'``, ``SET app.secret TO 'x'``,
  ``json_build_object('token', 'x')``, ``password => 'x'``;
- every literal among the arguments of pgcrypto's and ``aws_commons.create_aws_credentials``'s
  calls is masked;
- inside every literal (its value, escapes resolved) and comment: libpq ``key=value`` pairs and
  ``"key": value`` pairs of secret keys (a value ends at whitespace, or is quoted with backslash
  escapes, as libpq reads it), the password of ``scheme://user:password@host``, AWS access key
  ids; and the value is read as SQL again (a DO block or function body can hold ALTER ROLE),
  ``MAX_NESTING`` levels deep.

A literal or comment left open runs to the end of the text, so a truncated statement does not
leak. When a standard literal holds a backslash, the text is also read as a server with
``standard_conforming_strings`` off reads it (``'a\\'b'`` is then one literal) and what either
reading finds is masked.

The mask replaces the secret only: quotes, prefixes and the rest of the text stay byte for byte.
"""

from __future__ import annotations

import bisect
import re

from .sql_tokens import (
    COMMENT,
    IDENT,
    NUMBER,
    OPERATOR,
    PUNCT,
    QUOTED_IDENT,
    STRING,
    TRIVIA,
    DecodedText,
    Token,
    decode,
    tokenize,
)

MASK = "***"
MAX_NESTING = 3

# Names whose value is a secret; also as the last part of a longer name (db_password, aws_session_token).
SECRET_NAMES = frozenset({
    "password", "passwd", "pwd", "sslpassword", "passphrase", "secret", "secret_access_key", "secretaccesskey",
    "access_key", "accesskey", "api_key", "apikey", "token", "private_key", "privatekey", "credential",
    "credentials",
})
# Functions whose string arguments are keys or credentials, whatever their position.
SECRET_FUNCTIONS = frozenset({
    "pgp_sym_encrypt", "pgp_sym_encrypt_bytea", "pgp_sym_decrypt", "pgp_sym_decrypt_bytea", "pgp_pub_decrypt",
    "pgp_pub_decrypt_bytea", "encrypt", "decrypt", "encrypt_iv", "decrypt_iv", "hmac", "crypt",
    "create_aws_credentials",
})
# Text with none of these (case-insensitive) cannot hold anything the rules below mask; a backslash or
# an ampersand may be an escape (E'', U&'') spelling one of them.
_TRIGGERS = ("pass", "pwd", "secret", "key", "token", "credential", "crypt", "hmac", "akia", "asia", "://")

_TRIGGER = re.compile("|".join(re.escape(trigger) for trigger in _TRIGGERS) + r"|[\\&]", re.IGNORECASE)
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_KEY_STEM = re.compile(r"pass|pwd|secret|key|token|credential", re.IGNORECASE)
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_PAIR_SEPARATOR = re.compile(r"[\"']?[ \t\r\n]*(?:=>|=|:(?!:))[ \t\r\n]*")
_UNQUOTED_VALUE = re.compile(r"[^\s\\]*(?:\\.[^\s\\]*)*", re.DOTALL)
_QUOTED_VALUE = {quote: re.compile(rf"[^{quote}\\]*(?:\\.[^{quote}\\]*)*", re.DOTALL) for quote in "'\""}
_AUTHORITY = re.compile(r"[^/?#\s]*")
_KEY_SEPARATORS = frozenset({"=", "=>", ":", ":="})
_LONGEST_KEY = 200  # a quoted name longer than this is not looked at as a key

Span = tuple[int, int]


def is_secret_name(name: str) -> bool:
    """Whether a key, column, option or setting called ``name`` holds a secret."""
    last = name.strip().lower().rsplit(".", 1)[-1]
    if last in SECRET_NAMES:
        return True
    return "_" in last and any(last.endswith("_" + secret) for secret in SECRET_NAMES)


def _may_hold_secret(text: str) -> bool:
    lowered = text.lower()
    return "\\" in text or "&" in text or any(trigger in lowered for trigger in _TRIGGERS)


def _pair_spans(value: str) -> list[Span]:
    """Values of ``key=value``, ``key: value`` and ``"key": "value"`` pairs with a secret key."""
    spans, position, length = [], 0, len(value)
    while (stem := _KEY_STEM.search(value, position)) is not None:
        word_start, word_end = stem.start(), stem.end()
        while word_start > position and value[word_start - 1] in _WORD_CHARS:
            word_start -= 1
        while word_end < length and value[word_end] in _WORD_CHARS:
            word_end += 1
        position = word_end
        separator = _PAIR_SEPARATOR.match(value, word_end)
        if separator is None or not is_secret_name(value[word_start:word_end]):
            continue
        value_start = separator.end()
        if value_start >= length:
            continue
        quote = value[value_start]
        if quote in _QUOTED_VALUE:
            content_end = _QUOTED_VALUE[quote].match(value, value_start + 1).end()
            if content_end >= length or value[content_end] != quote:
                content_end = length  # left open: to the end
            spans.append((value_start + 1, content_end))
            position = content_end + 1
        else:
            value_end = _UNQUOTED_VALUE.match(value, value_start).end()
            if value_end > value_start:
                spans.append((value_start, value_end))
            position = max(value_end, position)
    return spans


def _url_password_spans(value: str) -> list[Span]:
    """The password of every ``scheme://user:password@host`` (the last @ of the authority ends it)."""
    spans, position = [], 0
    while (scheme_end := value.find("://", position)) >= 0:
        authority_start = scheme_end + 3
        authority_end = _AUTHORITY.match(value, authority_start).end()
        authority = value[authority_start:authority_end]
        at, colon = authority.rfind("@"), authority.find(":")
        if 0 <= colon < at:
            spans.append((authority_start + colon + 1, authority_start + at))
        position = max(authority_end, authority_start)
    return spans


def _free_text_spans(value: str) -> list[Span]:
    """Secrets in the value of a literal, identifier or comment, whatever language it is in."""
    spans = _pair_spans(value) + _url_password_spans(value)
    spans += [match.span() for match in _AWS_ACCESS_KEY.finditer(value)]
    return spans


def _content_spans(decoded: DecodedText, token: Token, depth: int) -> list[Span]:
    """Secrets inside a string literal, quoted identifier or comment, as raw spans of the text."""
    value = decoded.value
    if not _may_hold_secret(value):
        return []
    spans = _free_text_spans(value)
    if token.kind != QUOTED_IDENT and depth < MAX_NESTING:
        spans += _sql_spans(value, depth + 1)
    return [decoded.raw_span(start, end) for start, end in spans]


def _unicode_escape_of(text: str, tokens: list[Token], index: int) -> str:
    """The UESCAPE character given after the U&'' literal ``tokens[index]``, or backslash."""
    if (index + 2 < len(tokens) and tokens[index + 1].kind == IDENT
            and text[tokens[index + 1].start:tokens[index + 1].end].lower() == "uescape"
            and tokens[index + 2].kind == STRING):
        escape = decode(text, tokens[index + 2]).value
        if len(escape) == 1:
            return escape
    return "\\"


def _keyed_value_span(text: str, tokens: list[Token], index: int) -> Span | None:
    """The value after the secret key ``tokens[index]``: ``PASSWORD 'x'``, ``api_key = 'x'``, ``'token', 'x'``."""
    key, position, separated = tokens[index], index + 1, False
    if position < len(tokens):
        word = text[tokens[position].start:tokens[position].end]
        if ((tokens[position].kind in (OPERATOR, PUNCT) and word in _KEY_SEPARATORS)
                or (tokens[position].kind == IDENT and word.lower() == "to")
                or (key.kind == STRING and word == ",")):
            position, separated = position + 1, True
    if key.kind == STRING and not separated:
        return None
    if position >= len(tokens):
        return None
    value = tokens[position]
    if value.kind in (STRING, QUOTED_IDENT):
        start, end = value.content_span
        return (start, end) if start < end or value.terminated else None  # an open, empty literal hides nothing
    if separated and value.kind in (IDENT, NUMBER) and key.kind != STRING:
        after = tokens[position + 1] if position + 1 < len(tokens) else None
        if after is None or text[after.start:after.end] not in ("(", "."):
            return value.start, value.end
    return None


def _call_argument_spans(text: str, tokens: list[Token], open_index: int) -> tuple[list[Span], int]:
    """Content of every literal between the parenthesis ``tokens[open_index]`` and its match."""
    spans, depth, index = [], 0, open_index
    while index < len(tokens):
        token = tokens[index]
        if token.kind == PUNCT and text[token.start:token.end] in "()":
            depth += 1 if text[token.start] == "(" else -1
            if depth == 0:
                break
        elif token.kind == STRING:
            spans.append(token.content_span)
        index += 1
    return spans, index


def _sql_spans(text: str, depth: int = 0) -> list[Span]:
    """Raw spans of ``text`` that hold secrets, ``text`` read as SQL.

    A standard literal with a backslash in it ends elsewhere when ``standard_conforming_strings`` is
    off, so the text is then read both ways and what either reading finds is masked.
    """
    if not _may_hold_secret(text):
        return []
    conforming = tokenize(text)
    spans = _token_spans(text, conforming, depth, standard=True)
    if any(token.kind == STRING and token.prefix in ("", "N") and "\\" in text[token.start:token.end]
           for token in conforming):
        spans += _token_spans(text, tokenize(text, standard_conforming_strings=False), depth, standard=False)
    return spans


def _token_spans(text: str, all_tokens: list[Token], depth: int, standard: bool) -> list[Span]:
    """Secrets the rules find in one reading of ``text``.

    Only tokens a trigger word, backslash or ampersand falls in can start a rule, so those are the
    ones looked at: a long statement costs one pass of the tokenizer and little more.
    """
    tokens = [token for token in all_tokens if token.kind not in TRIVIA]
    starts = [token.start for token in tokens]
    hits = sorted({bisect.bisect_right(starts, hit.start()) - 1 for hit in _TRIGGER.finditer(text)} - {-1})
    spans: list[Span] = []
    for token in all_tokens:
        if token.kind == COMMENT and _may_hold_secret(text[token.start:token.end]):
            spans += _content_spans(decode(text, token), token, depth)
    arguments_until = -1
    for index in hits:
        token = tokens[index]
        if token.kind == IDENT:
            name = text[token.start:token.end]
            if _AWS_ACCESS_KEY.fullmatch(name):
                spans.append((token.start, token.end))
        elif token.kind in (STRING, QUOTED_IDENT) and _may_hold_secret(text[token.start:token.end]):
            escape = _unicode_escape_of(text, tokens, index) if token.prefix == "U&" else "\\"
            decoded = decode(text, token, standard_conforming_strings=standard, unicode_escape=escape)
            spans += _content_spans(decoded, token, depth)
            # a quoted name can be a key too: json_build_object('password', 'x'), "token": ...
            name = decoded.value if token.terminated and token.end - token.start <= _LONGEST_KEY else ""
        else:
            continue
        if is_secret_name(name):
            value = _keyed_value_span(text, tokens, index)
            if value is not None:
                spans.append(value)
            elif index == len(tokens) - 1 and all_tokens[-1].kind == COMMENT and not all_tokens[-1].terminated:
                spans.append(all_tokens[-1].content_span)  # PASSWORD /* ... to the end of a cut statement
        if (token.kind == IDENT and index > arguments_until and name.lower() in SECRET_FUNCTIONS
                and index + 1 < len(tokens) and text[tokens[index + 1].start:tokens[index + 1].end] == "("):
            arguments, arguments_until = _call_argument_spans(text, tokens, index + 1)
            spans += arguments
    return spans


def _masked(text: str, spans: list[Span]) -> str:
    """``text`` with each run of overlapping or touching spans replaced by one mask."""
    pieces, position, masked_any = [], 0, False
    for start, end in sorted(spans):
        if masked_any and start <= position:
            position = max(position, end)
            continue
        pieces += [text[position:start], MASK]
        position, masked_any = end, True
    pieces.append(text[position:])
    return "".join(pieces)


def redact_sql(text: str) -> str:
    """``text`` with passwords, keys, tokens and credential-bearing arguments replaced by ***."""
    if not text or not _may_hold_secret(text):
        return text
    return _masked(text, _sql_spans(text))

"""Removing passwords and secrets from SQL text before a human or a log sees it.

pgAudit redacts the password of CREATE/ALTER ROLE itself, but not function arguments, bound
parameters or connection strings, and DAS ``commandText`` is the statement as sent. An alert
e-mail is a poor place for a credential, so every statement that leaves these functions goes
through ``redact_sql``. It is deliberately greedy: a redacted non-secret costs less than a
leaked secret.
"""

from __future__ import annotations

import re

MASK = "***"

# Keyword-introduced literals: PASSWORD 'x', ENCRYPTED PASSWORD 'x', OPTIONS (password 'x'),
# SECRET 'x'. Quoted literals with doubled quotes inside are handled by the literal pattern.
_SQL_LITERAL = r"(?:E?'(?:[^']|'')*'|\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$|\"(?:[^\"]|\"\")*\")"
_SECRET_WORDS = (r"(?:password|passwd|pwd|secret|secret_?access_?key|access_?key|api_?key|token|private_?key"  # noqa: S105
                 r"|credentials?)")

_KEYWORD_LITERAL = re.compile(rf"(\b{_SECRET_WORDS}\b[\"']?\s*(?:=|:|=>)?\s*){_SQL_LITERAL}", re.IGNORECASE | re.DOTALL)
# key=value inside connection strings and similar: password=abc, "token": "abc", secret: abc
_KEY_VALUE = re.compile(rf"(\b{_SECRET_WORDS}\b[\"']?\s*(?:=|:)\s*)(?![\s'\"$]|\*\*\*)([^\s'\";,)]+)", re.IGNORECASE)
# URLs with credentials: postgres://user:secret@host
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s'\"]+:)([^@\s'\"]+)(@)", re.IGNORECASE)
# AWS access key ids, and the 40-character secret that usually travels with them.
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# Functions whose string arguments are keys or credentials, whatever their position.
_SECRET_FUNCTIONS = re.compile(
    r"\b(pgp_sym_encrypt(?:_bytea)?|pgp_sym_decrypt(?:_bytea)?|pgp_pub_decrypt(?:_bytea)?|encrypt|decrypt|"
    r"encrypt_iv|decrypt_iv|hmac|crypt|create_aws_credentials)\s*\(",
    re.IGNORECASE)
_ANY_LITERAL = re.compile(_SQL_LITERAL, re.DOTALL)


def _mask_literal(match: re.Match) -> str:
    return f"{match.group(1)}'{MASK}'"


def _function_call_end(text: str, start: int) -> int:
    """Index just past the parenthesis closing the call opened at ``start`` (or end of text)."""
    depth, index, quote = 0, start, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


def _redact_function_arguments(text: str) -> str:
    pieces, position = [], 0
    for match in _SECRET_FUNCTIONS.finditer(text):
        if match.start() < position:
            continue
        end = _function_call_end(text, match.end() - 1)
        arguments = _ANY_LITERAL.sub(f"'{MASK}'", text[match.end():end])
        pieces.append(text[position:match.end()])
        pieces.append(arguments)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_sql(text: str) -> str:
    """``text`` with passwords, keys, tokens and credential-bearing arguments replaced by ***."""
    if not text:
        return text
    text = _redact_function_arguments(text)
    text = _KEYWORD_LITERAL.sub(_mask_literal, text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    return _AWS_ACCESS_KEY.sub(MASK, text)

"""CloudWatch Logs filter patterns for unstructured log events (the text form).

moto accepts subscription filters but ignores their pattern, so the sandbox applies it here.
Supported, as CloudWatch Logs documents it for text events: an empty pattern matches
everything; terms separated by spaces must all appear (case-sensitive substring match); a
double-quoted term is a phrase and may hold spaces and symbols; ``?term`` terms form an OR
group (an event matches when any of them appears); ``-term`` excludes events containing it.
JSON (``{ $.x = ... }``) and space-delimited (``[a, b]``) patterns are refused, not guessed.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class FilterPattern:
    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def matches(self, message: str) -> bool:
        if any(term in message for term in self.excluded):
            return False
        if not all(term in message for term in self.required):
            return False
        return not self.any_of or any(term in message for term in self.any_of)


def parse(pattern: str) -> FilterPattern:
    text = (pattern or "").strip()
    if text.startswith("{") or text.startswith("["):
        raise ValueError(f"only text filter patterns are supported by the sandbox, not {pattern!r}")
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escapedquotes = '"'
    lexer.quotes = '"'
    required, any_of, excluded = [], [], []
    for token in lexer:
        if token.startswith("?") and len(token) > 1:
            any_of.append(token[1:])
        elif token.startswith("-") and len(token) > 1:
            excluded.append(token[1:])
        elif token:
            required.append(token)
    return FilterPattern(tuple(required), tuple(any_of), tuple(excluded))

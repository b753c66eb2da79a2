"""PostgreSQL's lexical rules as the redaction's tokenizer applies them (scan.l is the reference)."""

from __future__ import annotations

import random

import pytest
from dbaudit_alerts.sql_tokens import (
    COMMENT,
    IDENT,
    NUMBER,
    OPERATOR,
    OTHER,
    PARAM,
    PUNCT,
    QUOTED_IDENT,
    STRING,
    decode,
    tokenize,
)


def pieces(text: str, **options) -> list[tuple[str, str]]:
    return [(token.kind, text[token.start:token.end]) for token in tokenize(text, **options)]


def test_every_kind_of_token():
    text = "SELECT $1, t.\"Col\"\"x\", 3.5e2, E'a\\'b', B'101', X'ff', N'n', U&'\\0041', $q$x$q$ -- c\n::int /* d */"
    assert pieces(text) == [
        (IDENT, "SELECT"), (PARAM, "$1"), (PUNCT, ","), (IDENT, "t"), (PUNCT, "."), (QUOTED_IDENT, '"Col""x"'),
        (PUNCT, ","), (NUMBER, "3.5e2"), (PUNCT, ","), (STRING, "E'a\\'b'"), (PUNCT, ","), (STRING, "B'101'"),
        (PUNCT, ","), (STRING, "X'ff'"), (PUNCT, ","), (STRING, "N'n'"), (PUNCT, ","), (STRING, "U&'\\0041'"),
        (PUNCT, ","), (STRING, "$q$x$q$"), (COMMENT, "-- c"), (PUNCT, "::"), (IDENT, "int"), (COMMENT, "/* d */"),
    ]


def test_string_prefixes_and_kinds():
    tokens = tokenize("e'x' u&'y' U&\"z\" n'w' somee'v'")
    assert [(token.kind, token.prefix) for token in tokens] == [
        (STRING, "E"), (STRING, "U&"), (QUOTED_IDENT, "U&"), (STRING, "N"), (IDENT, ""), (STRING, "")]


def test_block_comments_nest():
    assert pieces("a /* x /* y */ z */ b") == [(IDENT, "a"), (COMMENT, "/* x /* y */ z */"), (IDENT, "b")]


@pytest.mark.parametrize("text, kind", [
    ("'open", STRING), ("E'open\\'", STRING), ("$$open", STRING), ('"open', QUOTED_IDENT), ("/* open /* */", COMMENT),
])
def test_unterminated_runs_to_the_end(text, kind):
    (token,) = tokenize(text)
    assert (token.kind, token.end, token.terminated, token.content_span[1]) == (kind, len(text), False, len(text))


def test_dollar_quotes():
    assert pieces("$a$x$a$$b$y$b$") == [(STRING, "$a$x$a$"), (STRING, "$b$y$b$")]
    assert pieces("$t$ a $u$ b $t$") == [(STRING, "$t$ a $u$ b $t$")]
    assert pieces("$1x$") == [(PARAM, "$1"), (IDENT, "x$")]  # a tag cannot start with a digit
    assert pieces("a$b$ c") == [(IDENT, "a$b$"), (IDENT, "c")]  # $ inside an identifier
    assert pieces("$\u00fc_1$x$\u00fc_1$") == [(STRING, "$\u00fc_1$x$\u00fc_1$")]
    assert pieces("$ x") == [(OTHER, "$"), (IDENT, "x")]


def test_constants_separated_by_a_newline_are_one_literal():
    (joined,) = tokenize("'a'\n'b'")
    assert joined.parts == ((1, 2), (5, 6))
    (joined,) = tokenize("'a' -- c\n  'b'")
    assert len(joined.parts) == 2
    assert [token.kind for token in tokenize("'a' 'b'")] == [STRING, STRING]  # no newline: two constants
    assert [token.kind for token in tokenize("'a' /* c */\n'b'")] == [STRING, COMMENT, STRING]
    assert [token.kind for token in tokenize("'a'\nE'b'")] == [STRING, STRING]  # only a plain quote continues


def test_operators_stop_where_a_comment_begins():
    assert pieces("a+--c\nb") == [(IDENT, "a"), (OPERATOR, "+"), (COMMENT, "--c"), (IDENT, "b")]
    assert pieces("a*/*c*/b") == [(IDENT, "a"), (OPERATOR, "*"), (COMMENT, "/*c*/"), (IDENT, "b")]
    assert pieces("x=>'v'") == [(IDENT, "x"), (OPERATOR, "=>"), (STRING, "'v'")]


def test_standard_conforming_strings_off_reads_backslash_escapes():
    text = "'a\\'z' c"
    assert pieces(text) == [(STRING, "'a\\'"), (IDENT, "z"), (STRING, "' c")]
    assert pieces(text, standard_conforming_strings=False) == [(STRING, "'a\\'z'"), (IDENT, "c")]


@pytest.mark.parametrize("text, value", [
    ("'it''s'", "it's"),
    ("E'a\\'b\\\\c\\n\\x41\\101\\u00e9'", "a'b\\c\nAA\u00e9"),
    ("U&'d\\0061t\\+000061'", "data"),
    ('"a""b"', 'a"b'),
    ("$$a''b$$", "a''b"),
    ("'a'\n'b'", "ab"),
])
def test_decoded_values(text, value):
    assert decode(text, tokenize(text)[0]).value == value


def test_unicode_escape_character_and_raw_spans():
    text = "U&'d!0061ta' UESCAPE '!'"
    decoded = decode(text, tokenize(text)[0], unicode_escape="!")
    assert decoded.value == "data"
    assert decoded.raw_span(1, 3) == (4, 10)  # "at": the escape !0061 and the t after it
    text = "E'x\\'yz'"
    decoded = decode(text, tokenize(text)[0])
    assert decoded.value == "x'yz"
    assert text[slice(*decoded.raw_span(1, 4))] == "\\'yz"


def test_tokens_cover_the_text_with_only_whitespace_between():
    rng = random.Random(5)
    alphabet = "ab$1'\"-/*\\ \n\t;:=&Ue().x"
    for _round in range(2000):
        text = "".join(rng.choice(alphabet) for _number in range(rng.randint(0, 30)))
        for standard in (True, False):
            position = 0
            for token in tokenize(text, standard_conforming_strings=standard):
                assert token.start >= position and text[position:token.start].strip(" \t\n\r\f\v") == ""
                assert token.end > token.start
                position = token.end
            assert text[position:].strip(" \t\n\r\f\v") == ""

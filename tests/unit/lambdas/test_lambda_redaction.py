"""Passwords and secrets removed from statements before they reach a message or a log.

The corpus holds every form PostgreSQL accepts for a password literal (comments before it, E'',
U&'', dollar quotes, literals continued on a new line, left open by a cut statement), conninfo
strings of CREATE SUBSCRIPTION / dblink / postgres_fdw with libpq's quoting, URIs, and secrets in
SQL nested in literals. Each case states the whole redacted text: the secret is gone and every
other byte is where it was.
"""

from __future__ import annotations

import random

import pytest
from dbaudit_alerts.redaction import MASK, redact_sql

# (statement, secrets that must be gone, expected text or None for "each secret replaced by the mask")
CORPUS = [
    ("CREATE ROLE app LOGIN PASSWORD 'S3cr3t!'", ["S3cr3t!"], None),
    ("ALTER USER app WITH ENCRYPTED PASSWORD 'it''s-secret'", ["it''s-secret"], None),
    ("alter role app password 'lower-case-secret'", ["lower-case-secret"], None),
    ("ALTER ROLE app PaSsWoRd 'mixed-case-secret'", ["mixed-case-secret"], None),
    ("ALTER ROLE \"App Role\" WITH LOGIN PASSWORD 'vu-secret' VALID UNTIL '2030-01-01'", ["vu-secret"], None),
    ("CREATE ROLE a PASSWORD 'first-of-two'; CREATE ROLE b PASSWORD 'second-of-two'",
     ["first-of-two", "second-of-two"], None),
    # comments between the keyword and the literal
    ("ALTER ROLE app PASSWORD /*c*/ 'after-block-comment'", ["after-block-comment"], None),
    ("ALTER ROLE app PASSWORD /* outer /* nested */ 'not-a-literal' */ 'after-nested'", ["after-nested"], None),
    ("ALTER ROLE app PASSWORD -- c\n'after-line-comment'", ["after-line-comment"], None),
    ("ALTER ROLE app PASSWORD -- c\r\n  /* d */\n\t'after-mixed-comments'", ["after-mixed-comments"], None),
    # every string kind
    ("ALTER ROLE app PASSWORD E'x\\'escaped-quote'", ["x\\'escaped-quote"], None),
    ("ALTER ROLE app PASSWORD e'back\\\\slash''doubled'", ["back\\\\slash''doubled"], None),
    ("ALTER ROLE app PASSWORD E'\\x41\\101hex-and-octal'", ["\\x41\\101hex-and-octal"], None),
    ("ALTER ROLE app PASSWORD U&'uni\\0063ode-secret'", ["uni\\0063ode-secret"], None),
    ("ALTER ROLE app PASSWORD u&'d\\+000061ta-secret'", ["d\\+000061ta-secret"], None),
    ("ALTER ROLE app PASSWORD U&'uesc!0061pe-secret' UESCAPE '!'", ["uesc!0061pe-secret"], None),
    ("ALTER ROLE app PASSWORD N'national-secret'", ["national-secret"], None),
    ("ALTER ROLE app PASSWORD $$dollar secret$$", ["dollar secret"], None),
    ("ALTER ROLE app PASSWORD $pw$tagged secret$pw$", ["tagged secret"], None),
    ("ALTER ROLE app PASSWORD $a1$digit-tag-secret$a1$", ["digit-tag-secret"], None),
    ("ALTER ROLE app PASSWORD $_$underscore-tag$_$", ["underscore-tag"], None),
    ("ALTER ROLE app PASSWORD $\u00fc$non-ascii-tag$\u00fc$", ["non-ascii-tag"], None),
    ("ALTER ROLE app PASSWORD $x$ other $y$ tag inside $x$", [" other $y$ tag inside "], None),
    ("ALTER ROLE app PASSWORD $$it's\nmulti-line$$", ["it's\nmulti-line"], None),
    # constants separated by a newline are one literal
    ("ALTER ROLE app PASSWORD 'first-half'\n'second-half' VALID UNTIL 'infinity'", ["first-half", "second-half"],
     "ALTER ROLE app PASSWORD '***' VALID UNTIL 'infinity'"),
    ("ALTER ROLE app PASSWORD 'one' -- glued\n  'two-glued'", ["two-glued"], "ALTER ROLE app PASSWORD '***'"),
    # cut statements (DAS and log lines can be truncated): to the end
    ("ALTER ROLE app PASSWORD 'cut-off-secre", ["cut-off-secre"], None),
    ("ALTER ROLE app PASSWORD E'cut\\'off-escape", ["cut\\'off-escape"], None),
    ("ALTER ROLE app PASSWORD $$cut-off dollar", ["cut-off dollar"], None),
    ("ALTER ROLE app PASSWORD /* cut off 'open-comment-secret'", ["open-comment-secret"],
     "ALTER ROLE app PASSWORD /*" + MASK),
    # a server with standard_conforming_strings off reads \' as a quote
    ("ALTER ROLE app PASSWORD 'off\\'scs-off-secret'", ["scs-off-secret"], "ALTER ROLE app PASSWORD '***'"),
    # connection strings: libpq's key=value (quoted values with backslash escapes) and URIs
    ("CREATE SUBSCRIPTION s CONNECTION 'host=db.example.com port=5432 password=subpass dbname=app' PUBLICATION p",
     ["subpass"], None),
    ("CREATE SUBSCRIPTION s CONNECTION 'host=h password=''quoted sub pass'' dbname=app' PUBLICATION p",
     ["quoted sub pass"], None),
    ("CREATE SUBSCRIPTION s CONNECTION 'password=''it\\''s in'' host=h' PUBLICATION p", ["it\\''s in"], None),
    ("ALTER SUBSCRIPTION s CONNECTION 'password = spaced-equals host=h'", ["spaced-equals"], None),
    ("CREATE SUBSCRIPTION s CONNECTION E'host=h password=\\'esc aped\\' dbname=d' PUBLICATION p",
     ["esc aped"], None),
    ("CREATE SUBSCRIPTION s CONNECTION $c$host=h password=dollar-conn$c$ PUBLICATION p", ["dollar-conn"], None),
    ("CREATE SUBSCRIPTION s CONNECTION 'host=h password=back\\ slash dbname=d' PUBLICATION p",
     ["back\\ slash"], None),
    ("CREATE SUBSCRIPTION s CONNECTION 'postgresql://rep:uri-secret@h:5432/app' PUBLICATION p", ["uri-secret"], None),
    ("CREATE SUBSCRIPTION s CONNECTION 'host=h password=truncated-conn", ["truncated-conn"], None),
    ("SELECT dblink_connect('host=h user=u password=connpass dbname=d')", ["connpass"], None),
    ("SELECT dblink_connect('myconn', 'sslpassword=keypass host=h')", ["keypass"], None),
    ("SELECT dblink_connect(E'host=h pass\\x77ord=escaped-key')", ["escaped-key"], None),
    ("SELECT * FROM dblink('postgres://u:urlpass@h/d', 'select 1')", ["urlpass"], None),
    ("SELECT * FROM dblink('postgresql://u:p@ss-at@h/d', 'select 1')", ["p@ss-at"], None),
    ("SELECT * FROM dblink('postgresql://h/d?user=u&password=querypass', 'select 1')", ["querypass"], None),
    # postgres_fdw options
    ("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'x', password 'fdwpass')", ["fdwpass"], None),
    ("ALTER USER MAPPING FOR app SERVER s OPTIONS (SET password 'newfdwpass')", ["newfdwpass"], None),
    ("ALTER USER MAPPING FOR app SERVER s OPTIONS (ADD password /* c */ E'add\\'fdw')", ["add\\'fdw"], None),
    ("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'h', password 'srvpass')", ["srvpass"], None),
    # secret-bearing functions, keys and settings
    ("SELECT pgp_sym_encrypt(ssn, 'symmetric-key') FROM people", ["symmetric-key"], None),
    ("SELECT pgp_sym_decrypt(data, E'sym\\'key') FROM t", ["sym\\'key"], None),
    ("SELECT crypt('new-pass', gen_salt('bf'))", ["new-pass"], "SELECT crypt('***', gen_salt('***'))"),
    ("SELECT aws_commons.create_aws_credentials('AKIAABCDEFGHIJKLMNOP', 'wJalrXUtnFEMI/K7MDENG', '')",
     ["AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG"],
     "SELECT aws_commons.create_aws_credentials('***', '***', '***')"),
    ("UPDATE settings SET api_key = 'k-123456' WHERE id = 1", ["k-123456"], None),
    ("SET app.secret TO 'guc-secret'", ["guc-secret"], None),
    ("SELECT json_build_object('password', 'json-built')", ["json-built"], None),
    ("SELECT 'password' => 'hstore-pass'", ["hstore-pass"], None),
    ('SELECT \'{"token": "tok-987"}\'::json', ["tok-987"], None),
    ("COPY t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIAABCDEFGHIJKLMNOP;aws_secret_access_key=awssecret'",
     ["aws_access_key_id=AKIAABCDEFGHIJKLMNOP;aws_secret_access_key=awssecret"], None),
    ("SELECT 1 /* password=in-comment */", ["in-comment"], None),
    # SQL inside literals: DO blocks and function bodies
    ("DO $$BEGIN EXECUTE 'ALTER ROLE app PASSWORD ''in-do-block'''; END$$", ["in-do-block"], None),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$ BEGIN ALTER ROLE app PASSWORD 'in-function'; "
     "END $body$", ["in-function"], None),
    ("SELECT set_config('app.conn', 'host=h password=hunter2', false)", ["hunter2"], None),
]


@pytest.mark.parametrize("statement, secrets, expected", CORPUS, ids=[str(n) for n in range(len(CORPUS))])
def test_corpus_secret_gone_and_the_rest_intact(statement, secrets, expected):
    redacted = redact_sql(statement)
    for secret in secrets:
        assert secret not in redacted
    if expected is None:
        expected = statement
        for secret in secrets:
            expected = expected.replace(secret, MASK, 1)
    assert redacted == expected


@pytest.mark.parametrize("statement", [
    "ALTER ROLE app PASSWORD <REDACTED>",  # pgAudit's own redaction stays as it is
    "ALTER ROLE app ENCRYPTED PASSWORD NULL",
    "ALTER ROLE app PASSWORD $1",
    "SET password_encryption = 'scram-sha-256'",
    "SELECT password, api_key FROM accounts WHERE password IS NULL",
    "SELECT key, value FROM kv WHERE primary_key = 'pk-1' AND tokens > 3",
    "SELECT $1, 'it''s', E'\\n', U&'\\0041', B'1010', X'1F', $q$x$q$ -- keyed\n",
])
def test_sql_that_only_looks_secret_is_unchanged(statement):
    assert redact_sql(statement) == statement


_SAFE = "abcxyz019 ,.;()+-*<>=!\t\n_"
_WORDS = ["select", "from", "where", "t", "col_a", "keys", "primary_key", "token_count", "password_encryption",
          "null", "and", "or", "alter", "role", "app", "with", "login", "valid", "until", "password null"]


def _random_content(rng: random.Random, extra: str = "") -> str:
    return "".join(rng.choice(_SAFE + extra) for _number in range(rng.randint(0, 12)))


def _random_fragment(rng: random.Random) -> str:
    """A random token or literal of any kind, with nothing secret in it."""
    kind = rng.randrange(14)
    if kind == 0:
        return "'" + _random_content(rng, "'\\").replace("'", "''") + "'"
    if kind == 1:
        return "E'" + _random_content(rng, "'\\").replace("\\", "\\\\").replace("'", "\\'") + "'"
    if kind == 2:
        return "U&'" + _random_content(rng) + "\\0041'"
    if kind == 3:
        tag = rng.choice(["", "q", "t1", "_x"])
        return f"${tag}$" + _random_content(rng, "'$") + f"${tag}$"
    if kind == 4:
        return "/* " + _random_content(rng).replace("*", "") + " /* nested */ */"
    if kind == 5:
        return "-- " + _random_content(rng).replace("\n", "") + "\n"
    if kind == 6:
        return '"' + _random_content(rng, '"').replace('"', '""') + '"'
    if kind == 7:
        return rng.choice(["B'101'", "X'ff'", "N'n'", "$1", "3.5e2", "::", "=>", "=", "(", ")", ",", "&&"])
    if kind == 8:
        return "'" + _random_content(rng) + "'\n'" + _random_content(rng) + "'"
    return rng.choice(_WORDS)


def test_random_sql_without_secrets_is_unchanged():
    rng = random.Random(17)
    for _round in range(500):
        statement = " ".join(_random_fragment(rng) for _number in range(rng.randint(1, 20)))
        assert redact_sql(statement) == statement, statement


def test_secret_at_the_end_of_a_long_statement():
    rows = ",".join(f"({n}, 'name {n}', E'it\\'s', $${n}$$, api_key_id)" for n in range(2000))
    statement = f"INSERT INTO t VALUES {rows}; ALTER ROLE app PASSWORD /* c */ 'at-the-end'"
    assert redact_sql(statement) == statement.replace("at-the-end", MASK)


@pytest.mark.parametrize("statement, secret", [
    ("CREATE ROLE app LOGIN PASSWORD 'S3cr3t!'", "S3cr3t!"),
    ("ALTER USER app WITH ENCRYPTED PASSWORD 'it''s-secret'", "it''s-secret"),
    ("ALTER ROLE app PASSWORD $$dollar secret$$", "dollar secret"),
    ("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'x', password 'fdwpass')", "fdwpass"),
    ("SELECT dblink_connect('host=h user=u password=connpass dbname=d')", "connpass"),
    ("SELECT pgp_sym_encrypt(ssn, 'symmetric-key') FROM people", "symmetric-key"),
    ("SELECT aws_commons.create_aws_credentials('AKIAABCDEFGHIJKLMNOP', 'wJalrXUtnFEMI/K7MDENG', '')",
     "wJalrXUtnFEMI/K7MDENG"),
    ("SELECT * FROM dblink('postgres://u:urlpass@h/d', 'select 1')", "urlpass"),
    ("UPDATE settings SET api_key = 'k-123456' WHERE id = 1", "k-123456"),
    ('SELECT \'{"token": "tok-987"}\'::json', "tok-987"),
])
def test_secret_is_gone(statement, secret):
    redacted = redact_sql(statement)
    assert secret not in redacted
    assert "***" in redacted


def test_ordinary_sql_is_unchanged():
    statement = "SELECT name, 'a,b' FROM t WHERE id = 1 AND note = 'no secrets here'"
    assert redact_sql(statement) == statement


def test_aws_access_key_id_alone():
    assert "AKIA" not in redact_sql("COPY t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIAABCDEFGHIJKLMNOP'")


def test_empty():
    assert redact_sql("") == ""

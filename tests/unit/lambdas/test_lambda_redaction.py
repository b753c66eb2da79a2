"""Passwords and secrets removed from statements before they reach a message or a log."""

from __future__ import annotations

import pytest
from dbaudit_alerts.redaction import redact_sql


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

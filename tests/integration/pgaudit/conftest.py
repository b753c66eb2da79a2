"""Fixtures of the pgAudit module tests: roles and databases made (with awkward names) and dropped
again in the sandbox's real PostgreSQL 15 + pgAudit 1.7."""

from __future__ import annotations

import contextlib

import psycopg2
import pytest
from psycopg2 import sql


@pytest.fixture
def admin(pg_connect):
    """An autocommit superuser connection to the sandbox's default database."""
    return pg_connect()


@pytest.fixture
def make_role(admin, unique_name):
    """make_role(prefix, login=True, password=None, name=None) -> (name, password); dropped after the test."""
    made = []

    def make(prefix="app_", login=True, name=None):
        role = name or unique_name(prefix)
        password = unique_name("pw") if login else None
        with admin.cursor() as cur:
            if login:
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)), [password])
            else:
                cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        made.append(role)
        return role, password

    yield make
    for role in reversed(made):
        drop_role(admin, role)


def drop_role(admin, role):
    """Drop a role and what it owns or was granted in every database it touched (best effort)."""
    with admin.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate")
        databases = [r[0] for r in cur.fetchall()]
    params = admin.get_dsn_parameters()
    for database in databases:
        with contextlib.suppress(psycopg2.Error):
            conn = psycopg2.connect(host=params["host"], port=params["port"], user=params["user"],
                                    password=admin.info.password, dbname=database, connect_timeout=10)
            conn.autocommit = True
            with conn, conn.cursor() as cur:
                cur.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(role)))
            conn.close()
    with contextlib.suppress(psycopg2.Error), admin.cursor() as cur:
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def make_database(admin, unique_name):
    """make_database(prefix, name=None) -> name; dropped (connections forced off) after the test."""
    made = []

    def make(prefix="db_", name=None):
        database = name or unique_name(prefix)
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        made.append(database)
        return database

    yield make
    for database in made:
        with contextlib.suppress(psycopg2.Error), admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))

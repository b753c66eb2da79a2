"""Fixtures shared by every test: the sandbox, PostgreSQL connections and AWS clients.

Integration tests use a real sandbox. When ``DBAUDIT_SANDBOX_ENV`` names the env.json of a
running sandbox, that one is used; otherwise the session starts its own (named ``pytest``, or
``DBAUDIT_TEST_SANDBOX``) and stops it at the end. Under pytest-xdist (``-n 2``, as ``make test``
runs) each worker starts its own, ``<name>-gw0``, ``<name>-gw1``: a test may count the emulator's
calls and read the server log, so two workers never share one.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))
sys.path.insert(0, str(CHECKOUT / "tests"))

from harness import LogTail, run_playbook  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def sandbox_env():
    from sandbox import __main__ as sandbox_cli

    given = os.environ.get("DBAUDIT_SANDBOX_ENV")
    if given and int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        pytest.fail("DBAUDIT_SANDBOX_ENV names one sandbox, and the pytest-xdist workers would share it (tests count "
                    "the emulator's calls): run with -n 0, or unset it to give each worker its own", pytrace=False)
    if given:
        env = json.loads(Path(given).read_text(encoding="utf-8"))
        yield env
        return
    name = os.environ.get("DBAUDIT_TEST_SANDBOX", "pytest")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        name = f"{name}-{worker}"
    env = sandbox_cli.up(name)
    try:
        yield env
    finally:
        if not os.environ.get("DBAUDIT_KEEP_SANDBOX"):
            sandbox_cli.down(name)


@pytest.fixture
def pg_connect(sandbox_env):
    """Open psycopg2 connections to the sandbox server (autocommit), closed after the test."""
    import psycopg2

    opened = []

    def connect(dbname: str | None = None, user: str | None = None, password: str | None = None):
        pg = sandbox_env["postgres"]
        conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname=dbname or pg["database"],
                                user=user or pg["user"],
                                password=password if user else pg["password"], connect_timeout=10)
        conn.autocommit = True
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


@pytest.fixture
def pg_log(sandbox_env):
    """A tail of the sandbox server log, positioned at the end when the test starts."""
    return LogTail(sandbox_env["postgres"]["log_file"])


@pytest.fixture
def aws_client(sandbox_env):
    import boto3

    aws = sandbox_env["aws"]

    def client(service: str):
        return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                            aws_access_key_id=aws["access_key_id"],
                            aws_secret_access_key=aws["secret_access_key"])

    return client


@pytest.fixture
def unique_name():
    """A short name no other test uses, for resources that outlive a test."""
    return lambda prefix="t": f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def playbook(sandbox_env):
    """Run an ansible-playbook (file path or YAML text) against the sandbox."""

    def run(text_or_path, **kwargs):
        return run_playbook(text_or_path, sandbox_env, **kwargs)

    return run


@pytest.fixture
def emulator_config(sandbox_env):
    """emulator_config({...}) changes the emulator's delays or throttling for one test (and returns the whole
    configuration with its call counts); the previous settings come back afterwards."""
    from sandbox.emulator_control import control, settings

    endpoint = sandbox_env["aws"]["endpoint_url"]
    before = settings(endpoint)
    yield lambda changes: control(endpoint, changes)
    control(endpoint, before)


@pytest.fixture(scope="session")
def unloaded_postgres(sandbox_env):
    """A second real PostgreSQL 15 with the pgaudit package installed but not in shared_preload_libraries: the
    server a first rollout starts from (the session sandbox's own server always loads pgaudit)."""
    from sandbox import postgres

    name = f"{sandbox_env['name']}-unloaded"
    server = postgres.start(name, None, preload="pg_stat_statements")
    try:
        yield server
    finally:
        postgres.stop(name, server["pid"])

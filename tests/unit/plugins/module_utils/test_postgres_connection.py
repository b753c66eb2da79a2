"""The shared PostgreSQL connection: options to libpq keywords, one-line connection errors, RDS IAM tokens signed
locally by botocore (no AWS call is made), failures raised (never a module's) and how run_module renders them."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import boto3
import psycopg2
import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import postgres_connection as pc  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal  # noqa: E402

BASE = {"login_host": None, "login_port": 5432, "login_user": "postgres", "login_password": None,
        "login_db": "postgres", "login_unix_socket": None, "ssl_mode": "prefer", "ca_cert": None,
        "connect_params": {}, "login_iam_auth": False, "aws_region": None, "aws_profile": None}


def params(**overrides):
    merged = dict(BASE)
    merged.update(overrides)
    return merged


def test_argument_spec_has_the_documented_options_with_env_fallbacks():
    spec = pc.postgres_argument_spec()
    assert set(spec) == {"login_host", "login_port", "login_user", "login_password", "login_db",
                         "login_unix_socket", "ssl_mode", "ca_cert", "connect_params", "login_iam_auth",
                         "aws_region", "aws_profile"}
    assert spec["login_password"]["no_log"] is True
    assert spec["login_host"]["fallback"][1] == ["PGHOST"]
    assert spec["login_port"]["fallback"][1] == ["PGPORT"]
    assert spec["login_password"]["fallback"][1] == ["PGPASSWORD"]
    assert spec["aws_region"]["fallback"][1] == ["AWS_REGION", "AWS_DEFAULT_REGION"]


def test_connection_params_map_options_to_libpq_keywords():
    kw = pc.connection_params(params(login_host="db.example", login_password="pw", ssl_mode="verify-full",
                                     ca_cert="/etc/rds.pem"))
    assert kw == {"connect_timeout": 10, "host": "db.example", "port": 5432, "user": "postgres", "password": "pw",
                  "dbname": "postgres", "sslmode": "verify-full", "sslrootcert": "/etc/rds.pem"}


def test_dbname_argument_overrides_login_db_and_connect_params_win():
    kw = pc.connection_params(params(login_host="h", connect_params={"connect_timeout": 3, "application_name": "x",
                                                                     "sslmode": "require"}), dbname="billing")
    assert kw["dbname"] == "billing"
    assert kw["connect_timeout"] == 3 and kw["application_name"] == "x" and kw["sslmode"] == "require"


def test_unix_socket_is_used_without_a_host_or_with_localhost():
    assert pc.connection_params(params(login_unix_socket="/run/pg"))["host"] == "/run/pg"
    assert pc.connection_params(params(login_host="localhost", login_unix_socket="/run/pg"))["host"] == "/run/pg"
    assert pc.connection_params(params(login_host="10.0.0.5", login_unix_socket="/run/pg"))["host"] == "10.0.0.5"


def test_empty_values_are_left_to_libpq():
    kw = pc.connection_params(params(login_host="", login_password=""))
    assert "host" not in kw and "password" not in kw


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_one_line_naming_host_port_user_and_database():
    kw = pc.connection_params(params(login_host="127.0.0.1", login_port=closed_port(), login_user="auditor",
                                     login_db="billing"))
    with pytest.raises(psycopg2.OperationalError) as caught:
        psycopg2.connect(**kw)
    message = pc.describe_connection_error(kw, caught.value)
    assert "\n" not in message
    assert message.startswith(f"Could not connect to PostgreSQL at 127.0.0.1:{kw['port']} as user 'auditor' to "
                              "database 'billing': ")
    assert "Connection refused" in message
    assert "connection to server at" not in message


def test_server_reason_drops_the_libpq_preamble_and_severity():
    error = ('connection to server at "db.example" (10.0.0.5), port 5432 failed: FATAL:  password authentication '
             'failed for user "app"\n')
    assert pc.server_reason(error) == 'password authentication failed for user "app"'
    two = ('connection to server at "localhost" (::1), port 5432 failed: Connection refused\n\tIs the server running '
           'on that host and accepting TCP/IP connections?\nconnection to server at "localhost" (127.0.0.1), port '
           '5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n')
    assert pc.server_reason(two) == ("Connection refused Is the server running on that host and accepting TCP/IP "
                                     "connections?")
    assert pc.server_reason(RuntimeError()) == "RuntimeError"


def test_socket_connection_error_names_the_socket_directory():
    message = pc.describe_connection_error({"host": "/run/pg", "user": "u", "dbname": "d"}, "No such file")
    assert message == "Could not connect to PostgreSQL at /run/pg as user 'u' to database 'd': No such file"


def fake_credentials_session(**kwargs):
    return boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", **kwargs)


def test_iam_token_is_a_presigned_connect_url_for_host_port_and_user():
    token = pc.iam_auth_token("prod.cluster-abc.eu-west-1.rds.amazonaws.com", 5432, "auditor", "eu-west-1",
                              session_factory=fake_credentials_session)
    url = urlsplit("https://" + token)
    query = parse_qs(url.query)
    assert url.hostname == "prod.cluster-abc.eu-west-1.rds.amazonaws.com" and url.port == 5432
    assert query["Action"] == ["connect"] and query["DBUser"] == ["auditor"]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")
    assert "/eu-west-1/rds-db/aws4_request" in query["X-Amz-Credential"][0]
    assert query["X-Amz-Signature"][0]


def test_iam_token_takes_the_region_of_the_session_when_none_is_given():
    token = pc.iam_auth_token("h.example", 5432, "u", None,
                              session_factory=lambda **kw: fake_credentials_session(region_name="us-west-2"))
    assert "/us-west-2/rds-db/" in parse_qs(urlsplit("https://" + token).query)["X-Amz-Credential"][0]


def test_iam_token_without_a_region_says_so():
    with pytest.raises(ValueError, match="needs aws_region"):
        pc.iam_auth_token("h.example", 5432, "u", None,
                          session_factory=lambda **kw: fake_credentials_session(region_name=None))


class NoCredentials:
    region_name = "eu-west-1"

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def get_credentials(self):
        return None


def test_iam_token_without_credentials_says_so_and_names_the_profile():
    with pytest.raises(ValueError, match="found no AWS credentials for profile 'audit'"):
        pc.iam_auth_token("h.example", 5432, "u", "eu-west-1", profile="audit", session_factory=NoCredentials)


def test_iam_token_needs_a_host():
    with pytest.raises(ValueError, match="needs login_host"):
        pc.iam_auth_token(None, 5432, "u", "eu-west-1", session_factory=fake_credentials_session)


def test_iam_token_with_an_unknown_profile_is_one_clear_line():
    with pytest.raises(ValueError, match="could not generate an RDS IAM authentication token: .*nosuchprofile"):
        pc.iam_auth_token("h.example", 5432, "u", "eu-west-1", profile="nosuchprofile")


# Failures are raised, never a module's: each module decides how to fail ---------------------------

class FakeCursor:
    description = ("column",)

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def mogrify(self, statement, params=None):
        return statement.encode("utf-8")

    def execute(self, statement, params=None):
        self.conn.executed.append(statement)
        if statement in self.conn.failing:
            raise psycopg2.ProgrammingError('ERROR:  relation "nope" does not exist\n')

    def fetchall(self):
        return [(1,)]


class FakeConnection:
    encoding = "UTF8"

    def __init__(self, failing=(), autocommit=False):
        self.failing = set(failing)
        self.autocommit = autocommit
        self.executed = []
        self.rolled_back = False
        self.info = SimpleNamespace(dbname="billing")

    def cursor(self):
        return FakeCursor(self)

    def rollback(self):
        self.rolled_back = True


def test_a_failed_statement_raises_with_the_statement_the_reason_and_the_queries_after_a_rollback():
    conn = FakeConnection(failing={"DROP TABLE nope"})
    session = pc.SqlSession(conn)
    session.change("CREATE TABLE t ()")
    with pytest.raises(pc.PostgresError) as caught:
        session.change("DROP TABLE nope")
    assert caught.value.message == "SQL failed on database 'billing': DROP TABLE nope: relation \"nope\" does not exist"
    assert caught.value.details == {"queries": ["CREATE TABLE t ()", "DROP TABLE nope"]}
    assert conn.rolled_back


def test_a_failed_attempt_is_undone_to_a_savepoint_and_the_session_goes_on():
    conn = FakeConnection(failing={"SELECT 'bad'::regclass"})
    session = pc.SqlSession(conn)
    assert session.attempt("SELECT 'bad'::regclass") == (None, 'relation "nope" does not exist')
    assert conn.executed[-1] == "ROLLBACK TO SAVEPOINT dbaudit_undoable" and not conn.rolled_back
    assert session.attempt("SELECT 1") == ([(1,)], None)
    assert conn.executed[-1] == "RELEASE SAVEPOINT dbaudit_undoable"
    autocommit = FakeConnection(autocommit=True)
    assert pc.SqlSession(autocommit).attempt("SELECT 1") == ([(1,)], None)
    assert autocommit.executed == ["SELECT 1"]


def test_a_failed_connection_raises_one_line_naming_where():
    with pytest.raises(pc.PostgresError, match=r"^Could not connect to PostgreSQL at 127\.0\.0\.1:\d+ as user "):
        pc.connect(params(login_host="127.0.0.1", login_port=closed_port()))


class Exited(Exception):
    pass


class FakeModule:
    def __init__(self, diff=False):
        self._diff = diff
        self.outcome = None

    def exit_json(self, **result):
        self.outcome = ("exit", result)
        raise Exited()

    def fail_json(self, **result):
        self.outcome = ("fail", result)
        raise Exited()


def run(module, work):
    with pytest.raises(Exited):
        pc.run_module(module, work)
    return module.outcome


def test_run_module_returns_diff_only_in_diff_mode():
    def work():
        return {"changed": True, "diff": {"before": 1, "after": 2}}
    assert run(FakeModule(), work) == ("exit", {"changed": True})
    assert run(FakeModule(diff=True), work) == ("exit", {"changed": True, "diff": {"before": 1, "after": 2}})


def test_run_module_fails_a_refusal_and_a_postgres_error_with_their_details():
    def refuse():
        raise Refusal("Nothing changed: two problems", reasons=["one", "two"], errors=["one", "two"])

    def broken():
        raise pc.PostgresError("SQL failed on database 'b': SELECT 1: boom", queries=["SELECT 1"])
    assert run(FakeModule(), refuse) == ("fail", {"msg": "Nothing changed: two problems", "reasons": ["one", "two"],
                                                  "changed": False, "errors": ["one", "two"]})
    assert run(FakeModule(), broken) == ("fail", {"msg": "SQL failed on database 'b': SELECT 1: boom",
                                                  "queries": ["SELECT 1"]})

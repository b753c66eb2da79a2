# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection every PostgreSQL module of the collection shares, in community.postgresql's
style: ``login_*`` options with PG* environment fallbacks, SSL options, extra libpq parameters and
``login_iam_auth`` (an RDS IAM token made with boto3 instead of a stored password).

A failed connection is one line that says where to, as whom, and the server's reason, never a
traceback. :class:`SqlSession` runs statements, records the ones that change something (the
modules' ``queries`` return value) and, in check mode, records them without running them.

Nothing here fails a module: a failed connection or statement raises :class:`PostgresError`, and
:func:`run_module` turns it (or a :class:`Refusal`) into the module's failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import re
from typing import Any
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.basic import env_fallback
from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import fail_refusal

try:
    import psycopg2
    import psycopg2.extensions
    from psycopg2 import sql  # pylint: disable=unused-import  # the modules compose their statements with it
    HAS_PSYCOPG2 = True
    PSYCOPG2_IMPORT_ERROR = None
except ImportError as e:
    sql = None  # ensure_psycopg2() reports it
    HAS_PSYCOPG2 = False
    PSYCOPG2_IMPORT_ERROR = e

DEFAULT_CONNECT_TIMEOUT = 10
SSL_MODES = ["allow", "disable", "prefer", "require", "verify-ca", "verify-full"]

_PARAMETER_MAP = {
    "login_host": "host",
    "login_port": "port",
    "login_user": "user",
    "login_password": "password",
    "login_db": "dbname",
    "ssl_mode": "sslmode",
    "ca_cert": "sslrootcert",
}
# 'connection to server at "h" (127.0.0.1), port 5432 failed: ' / 'connection to server on socket "..." failed: '
_LIBPQ_PREFIX = re.compile(r'connection to server (?:at|on socket) "[^"]*"(?: \([^)]*\))?(?:, port \d+)? failed:\s*')
_SEVERITY = re.compile(r"^(?:FATAL|ERROR):\s+")
# SQLSTATEs of a CREATE that lost a race: duplicate_object, unique_violation (on a catalog index).
ALREADY_CREATED = ("42710", "23505")


def postgres_argument_spec() -> Dict[str, Any]:
    """The connection options (see the ``dbaudit.postgresql.postgres`` doc fragment)."""
    return dict(
        login_host=dict(type="str", fallback=(env_fallback, ["PGHOST"])),
        login_port=dict(type="int", default=5432, fallback=(env_fallback, ["PGPORT"])),
        login_user=dict(type="str", default="postgres", fallback=(env_fallback, ["PGUSER"])),
        login_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PGPASSWORD"])),
        login_db=dict(type="str", default="postgres", fallback=(env_fallback, ["PGDATABASE"])),
        login_unix_socket=dict(type="str"),
        ssl_mode=dict(type="str", default="prefer", choices=SSL_MODES, fallback=(env_fallback, ["PGSSLMODE"])),
        ca_cert=dict(type="path", fallback=(env_fallback, ["PGSSLROOTCERT"])),
        connect_params=dict(type="dict", default={}),
        login_iam_auth=dict(type="bool", default=False),
        aws_region=dict(type="str", fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
        aws_profile=dict(type="str", fallback=(env_fallback, ["AWS_PROFILE"])),
    )


def connection_params(params: Dict[str, Any], dbname: Optional[str] = None) -> Dict[str, Any]:
    """libpq keywords from module parameters; ``dbname`` overrides ``login_db``. Empty values are
    left out so libpq applies its own defaults; ``connect_params`` wins over everything."""
    kw: Dict[str, Any] = {"connect_timeout": DEFAULT_CONNECT_TIMEOUT}
    for option, keyword in _PARAMETER_MAP.items():
        value = params.get(option)
        if value not in (None, ""):
            kw[keyword] = value
    if dbname:
        kw["dbname"] = dbname
    # A socket directory is used when no host (or localhost) is named, as community.postgresql does.
    if params.get("login_unix_socket") and kw.get("host") in (None, "localhost"):
        kw["host"] = params["login_unix_socket"]
    kw.update(params.get("connect_params") or {})
    return kw


def iam_auth_token(host: str, port: int, user: str, region: Optional[str], profile: Optional[str] = None,
                   session_factory: Any = None) -> str:
    """An RDS IAM authentication token (valid 15 minutes), signed locally with boto3's credentials.

    Raises ValueError with a message a user can act on when boto3, the region or credentials are missing."""
    if session_factory is None:
        try:
            import boto3
        except ImportError:
            raise ValueError("login_iam_auth needs the boto3 Python library on the host that runs the module")
        session_factory = boto3.session.Session
    if not host:
        raise ValueError("login_iam_auth needs login_host (the RDS or Aurora endpoint the token is signed for)")
    try:
        if profile:
            session = session_factory(profile_name=profile, region_name=region)
        else:
            session = session_factory(region_name=region)
        region = region or session.region_name
        if not region:
            raise ValueError("login_iam_auth needs aws_region (or AWS_REGION in the environment)")
        if session.get_credentials() is None:
            which = " for profile %r" % profile if profile else ""
            raise ValueError("login_iam_auth found no AWS credentials%s" % which)
        client = session.client("rds", region_name=region)
        return client.generate_db_auth_token(DBHostname=host, Port=int(port), DBUsername=user, Region=region)
    except ValueError:
        raise
    except Exception as e:  # botocore's ProfileNotFound, NoRegionError, ... all say what is wrong
        raise ValueError("could not generate an RDS IAM authentication token: %s" % one_line(str(e)))


def one_line(text: str) -> str:
    """A multi-line driver message as one line."""
    return " ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())


def server_reason(error: Any) -> str:
    """The reason in a libpq connection error, without the 'connection to server at ...' preamble
    (which the caller rewrites) and the severity word; several attempts joined with '; '."""
    text = str(error).strip()
    attempts = [_LIBPQ_PREFIX.sub("", part).strip() for part in re.split(r"\n(?=connection to server )", text)]
    reasons = []
    for attempt in attempts:
        reason = one_line(_SEVERITY.sub("", attempt))
        if reason and reason not in reasons:
            reasons.append(reason)
    return "; ".join(reasons) or one_line(text) or type(error).__name__


def describe_connection_error(kw: Dict[str, Any], error: Any) -> str:
    """``Could not connect to PostgreSQL at 10.0.0.5:5432 as user 'app' to database 'postgres': <reason>``."""
    host = kw.get("host") or "the default socket"
    where = host if str(host).startswith("/") else "%s:%s" % (host, kw.get("port", 5432))
    return "Could not connect to PostgreSQL at %s as user %r to database %r: %s" % (
        where, kw.get("user"), kw.get("dbname"), server_reason(error))


class PostgresError(Exception):
    """A connection that could not be made or a statement that failed. ``message`` is one line a user can act on;
    ``details`` are more keys for the module's failure (``queries``: what the session had run)."""

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details: Dict[str, Any] = details


def ensure_psycopg2(module) -> None:
    if not HAS_PSYCOPG2:
        module.fail_json(msg=missing_required_lib("psycopg2"), exception=str(PSYCOPG2_IMPORT_ERROR))


def postgres_module(options: Dict[str, Any], require_psycopg2: bool = True) -> AnsibleModule:
    """The module of a PostgreSQL module: the connection options and ``options``, check mode supported, and
    psycopg2 checked unless ``require_psycopg2`` is false (the module then calls :func:`ensure_psycopg2`)."""
    argument_spec = postgres_argument_spec()
    argument_spec.update(options)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if require_psycopg2:
        ensure_psycopg2(module)
    return module


def run_module(module, work: Callable[..., Dict[str, Any]], *args: Any) -> None:
    """Exit ``module`` with the result ``work(*args)`` returns, its ``diff`` only in diff mode. A :class:`Refusal`
    or a :class:`PostgresError` that ``work`` raises fails the module instead, with its message and details."""
    try:
        result = work(*args)
    except Refusal as refusal:
        fail_refusal(module, refusal)
    except PostgresError as error:
        module.fail_json(msg=error.message, **error.details)
    else:
        if not module._diff:
            result.pop("diff", None)
        module.exit_json(**result)


def connect(params: Dict[str, Any], dbname: Optional[str] = None, autocommit: bool = False):
    """A psycopg2 connection with the module's connection options (``params``); raises :class:`PostgresError`
    with one line that says where to, as whom, and why not."""
    kw = connection_params(params, dbname)
    if params.get("login_iam_auth"):
        try:
            kw["password"] = iam_auth_token(kw.get("host"), kw.get("port", 5432), kw.get("user"),
                                            params.get("aws_region"), params.get("aws_profile"))
        except ValueError as e:
            raise PostgresError(str(e))
    try:
        conn = psycopg2.connect(**kw)
    except Exception as e:  # psycopg2.Error, or a TypeError for an invalid connect_params keyword
        raise PostgresError(describe_connection_error(kw, e))
    conn.autocommit = autocommit
    return conn


def statement_error(error: Any) -> str:
    """The server's message of a failed statement, one line, without the severity word."""
    return _SEVERITY.sub("", one_line(getattr(error, "pgerror", None) or str(error)))


class SqlSession(object):
    """Runs SQL on one connection for a module.

    ``read()`` runs a query and returns its rows. ``change()`` records the statement (as the server
    would see it) in ``queries`` and runs it, unless in check mode. A failing statement raises
    :class:`PostgresError` with the statement and the server's message (and ``queries``), after rolling back
    what this session did."""

    def __init__(self, conn, check_mode: bool = False, queries: Optional[List[str]] = None):
        self.conn = conn
        self.check_mode = check_mode
        self.queries = queries if queries is not None else []

    def render(self, statement, params=None) -> str:
        with self.conn.cursor() as cursor:
            text = cursor.mogrify(statement, params)
        if isinstance(text, bytes):
            codec = psycopg2.extensions.encodings.get(self.conn.encoding, "utf-8")
            return text.decode(codec, errors="replace")
        return text

    def read(self, statement, params=None) -> List[tuple]:
        return self._execute(statement, params, fetch=True)

    def read_one(self, statement, params=None) -> Optional[tuple]:
        rows = self.read(statement, params)
        return rows[0] if rows else None

    def attempt(self, statement, params=None) -> Tuple[Optional[List[tuple]], Optional[str]]:
        """Run a read that may fail on user input (a bad name): ``(rows, None)`` or ``(None, reason)``,
        the session still usable either way."""
        try:
            return self._undoable(statement, params, fetch=True), None
        except psycopg2.Error as e:
            return None, statement_error(e)

    def change(self, statement, params=None) -> None:
        self.queries.append(self.render(statement, params))
        if not self.check_mode:
            self._execute(statement, params, fetch=False)

    def create(self, statement, params=None) -> bool:
        """A CREATE that a concurrent session may win (two job slices, two runs at once): True when this session
        created the object, False when it appeared meanwhile - the loser adopts it instead of failing. PostgreSQL
        reports the loss as duplicate_object (42710), or as unique_violation (23505) on its catalog's index when
        the other session committed while this one waited."""
        self.queries.append(self.render(statement, params))
        if self.check_mode:
            return True
        try:
            self._undoable(statement, params, fetch=False)
        except psycopg2.Error as e:
            if e.pgcode in ALREADY_CREATED:
                return False
            self._fail(statement, params, e)
        return True

    def commit(self) -> None:
        if not self.conn.autocommit:
            self.conn.commit()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a connection that failed is best effort
            self.conn.close()

    def _fail(self, statement, params, error) -> None:
        if not self.conn.autocommit:
            with contextlib.suppress(Exception):  # the failure is reported either way
                self.conn.rollback()
        raise PostgresError("SQL failed on database %r: %s: %s" % (
            self.conn.info.dbname, self.render_safely(statement, params), statement_error(error)),
            queries=self.queries)

    def _execute(self, statement, params, fetch: bool):
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall() if fetch and cursor.description is not None else []
        except psycopg2.Error as e:
            self._fail(statement, params, e)

    def _undoable(self, statement, params, fetch: bool) -> List[tuple]:
        """Run a statement that may fail without spoiling the session: inside a transaction, a savepoint
        undoes the failure (raised as it came) and keeps what the session did before."""
        in_transaction = not self.conn.autocommit
        with self.conn.cursor() as cursor:
            if in_transaction:
                cursor.execute("SAVEPOINT dbaudit_undoable")
            try:
                cursor.execute(statement, params)
                rows = cursor.fetchall() if fetch and cursor.description is not None else []
            except psycopg2.Error:
                if in_transaction:
                    cursor.execute("ROLLBACK TO SAVEPOINT dbaudit_undoable")
                raise
            if in_transaction:
                cursor.execute("RELEASE SAVEPOINT dbaudit_undoable")
            return rows

    def render_safely(self, statement, params) -> str:
        try:
            return self.render(statement, params)
        except Exception:
            return str(statement)

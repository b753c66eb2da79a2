# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The server log of a PostgreSQL server, read between two positions to measure what a run added to it.

:class:`ServerLog` reads the log through SQL (``pg_current_logfile``, ``pg_stat_file``, ``pg_read_binary_file``)
or from a file on the host that runs the module, and raises :class:`LogUnavailable` when it cannot.
:func:`measure_log` counts what lies between two positions, audit entries apart; :func:`not_measured` is the
same result when the log was not read, with the reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
from typing import Any
from typing import Dict
from typing import Iterator
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import LogScanner
from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import log_spans
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import connect
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import one_line

try:
    import psycopg2
except ImportError:
    psycopg2 = None  # the module's ensure_psycopg2() reports it

CHUNK = 8 * 1024 * 1024
# The logging collector writes what backends sent it a moment later; the log is read once its
# size has stopped changing for SETTLE seconds (at most SETTLE_MAX).
SETTLE = 0.3
SETTLE_MAX = 10.0


class LogUnavailable(Exception):
    """The server log cannot be read here (no log file, no privilege, not a file on this host)."""


class ServerLog(object):
    """The server log read through SQL (``source`` ``sql``, on a connection made with the connection options in
    ``params``) or from ``log_file`` (``source`` ``file``). A connection that cannot be made raises
    ``PostgresError``; a log that cannot be read, :class:`LogUnavailable`."""

    def __init__(self, params: Dict[str, Any], source: str, log_file: Optional[str] = None):
        self.params = params
        self.source = source
        self.log_file = log_file
        self.conn = None
        self.prefix: Optional[str] = None

    def open(self) -> None:
        if self.source == "file":
            if not os.path.isfile(self.log_file):
                raise LogUnavailable("log_file %s is not a file on this host" % self.log_file)
            self.prefix = self._query("SHOW log_line_prefix")[0][0]
            return
        position = self.position()
        if position[0] is None:
            raise LogUnavailable("the server writes no log file (logging_collector is off or the log goes to "
                                 "syslog/eventlog)")

    def _connection(self):
        if self.conn is None:
            self.conn = connect(self.params, autocommit=True)
        return self.conn

    def _query(self, statement, params=None) -> List[tuple]:
        try:
            with self._connection().cursor() as cursor:
                cursor.execute(statement, params)
                return cursor.fetchall()
        except psycopg2.Error as e:
            raise LogUnavailable(one_line(getattr(e, "pgerror", None) or str(e)))

    def position(self) -> Tuple[Optional[str], int]:
        """(file, size) of the log being written now."""
        if self.source == "file":
            return self.log_file, os.stat(self.log_file).st_size
        name, size, prefix = self._query(
            "SELECT f.name, (pg_catalog.pg_stat_file(f.name)).size, pg_catalog.current_setting('log_line_prefix') "
            "FROM (SELECT pg_catalog.pg_current_logfile('stderr') AS name) f")[0]
        self.prefix = prefix
        return name, size

    def settled_position(self) -> Tuple[Optional[str], int]:
        last = self.position()
        deadline = time.monotonic() + SETTLE_MAX
        while time.monotonic() < deadline:
            time.sleep(SETTLE)
            now = self.position()
            if now == last:
                break
            last = now
        return last

    def chunks(self, name: str, offset: int, length: Optional[int]) -> Iterator[bytes]:
        if length is None:
            length = self._size(name) - offset
        if self.source == "file":
            with open(name, "rb") as handle:
                handle.seek(offset)
                while length > 0:
                    data = handle.read(min(CHUNK, length))
                    if not data:
                        return
                    length -= len(data)
                    yield data
            return
        while length > 0:
            data = bytes(self._query("SELECT pg_catalog.pg_read_binary_file(%s, %s, %s)",
                                     [name, offset, min(CHUNK, length)])[0][0])
            if not data:
                return
            offset += len(data)
            length -= len(data)
            yield data

    def _size(self, name: str) -> int:
        if self.source == "file":
            return os.stat(name).st_size
        return self._query("SELECT (pg_catalog.pg_stat_file(%s, true)).size", [name])[0][0] or 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def measure_log(server_log: ServerLog, start, end, match: Optional[str]) -> Dict[str, Any]:
    """What the log grew by between ``start`` and ``end`` (positions), audit entries containing ``match`` apart."""
    scanner = LogScanner(match)
    for name, offset, length in log_spans(start, end):
        for data in server_log.chunks(name, offset, length):
            scanner.feed(data)
    counts = scanner.finish()
    counts.update(measured=True, source=server_log.source, reason=None, match=match)
    return counts


def not_measured(source: str, reason: str) -> Dict[str, Any]:
    return dict(measured=False, source=source, reason=reason, bytes=None, lines=None, audit_bytes=None,
                audit_lines=None, audit_entries=None, match=None)

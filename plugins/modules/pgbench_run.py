#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Ansible modules import after DOCUMENTATION, EXAMPLES and RETURN.
# ruff: noqa: E402

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pgbench_run
short_description: Run one pgbench benchmark (or initialise its dataset) and measure the server log it caused
version_added: 0.1.0
description:
  - With O(mode=benchmark), runs C(pgbench) once as O(bench_user) in O(database) and returns its throughput (TPS),
    mean and p95 latency (from pgbench's per-transaction log), and the bytes and lines the run added to the
    server log, audit entries counted apart.
  - With O(mode=initialize), creates pgbench's tables in O(database) at O(scale) (C(pgbench -i)).
  - The server log is read between its size before and after the run, through SQL (C(pg_current_logfile),
    C(pg_stat_file), C(pg_read_binary_file); superuser or C(pg_read_server_files) and C(pg_monitor)) or from a
    file on the host that runs the module. One rotation during the run is followed.
  - On RDS and Aurora the server log is not readable this way; the result then says so, and the run's
    C(started)/C(ended) times give the window over which to read the CloudWatch Logs metric C(IncomingBytes) of
    the instance's C(postgresql) log group.
  - The benchmark is used by C(playbooks/measure_overhead.yml) (role C(dbaudit.postgresql.measure_overhead)),
    which applies each audit profile to O(bench_user) between runs.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  database:
    description: The database pgbench works in (a scratch database; a benchmark writes to its tables).
    type: str
    required: true
  bench_user:
    description:
      - The role pgbench logs in as. Per-role pgAudit settings apply to its sessions, so this is the role the
        audit profile under test is applied to. Not a superuser, so that auditing it is reliable.
    type: str
    required: true
  bench_password:
    description: The password of O(bench_user).
    type: str
  mode:
    description:
      - V(benchmark) runs the workload for O(duration) seconds; V(initialize) creates the dataset.
    type: str
    choices: [benchmark, initialize]
    default: benchmark
  scale:
    description: pgbench scale factor for O(mode=initialize) (100,000 rows of pgbench_accounts per unit).
    type: int
    default: 1
  builtin:
    description: pgbench's built-in script to run.
    type: str
    choices: [tpcb-like, simple-update, select-only]
    default: tpcb-like
  options:
    description:
      - More pgbench arguments, one per list item (e.g. V(-M), V(prepared)). Passed as given, never through a
        shell.
    type: list
    elements: str
    default: []
  clients:
    description: Concurrent client sessions (C(-c)).
    type: int
    default: 1
  threads:
    description: pgbench worker threads (C(-j)); at most O(clients).
    type: int
    default: 1
  duration:
    description: Seconds the benchmark runs (C(-T)).
    type: int
    default: 10
  log_source:
    description:
      - Where the server log is read. V(sql) through the server (fails when it cannot); V(file) from O(log_file);
        V(auto) through SQL, and when the server refuses (RDS, Aurora, missing privileges, no
        C(logging_collector)) the run is reported with its log not measured and the reason; V(none) does not
        measure the log.
    type: str
    choices: [auto, sql, file, none]
    default: auto
  log_file:
    description: The server log file, on the host that runs the module, for O(log_source=file).
    type: path
  pgbench:
    description: The pgbench program, a name looked up in E(PATH) or a path.
    type: str
    default: pgbench
  tags:
    description: Data returned as is in RV(tags) (e.g. the profile and repeat of this run), for the report.
    type: dict
    default: {}
attributes:
  check_mode:
    description: In check mode nothing runs; the result says so.
    support: full
  diff_mode:
    description: Nothing to compare.
    support: none
notes:
  - O(login_user) (the connection options) is used to read the server log and must be allowed to; pgbench itself
    connects as O(bench_user) to the same host and port.
  - The benchmark writes to pgbench's tables and, before it starts, vacuums them and empties C(pgbench_history)
    (what pgbench does before a run, done here before the log is measured; pgbench then runs with C(-n)), so the
    result reports C(changed=true).
seealso:
  - module: dbaudit.postgresql.pgaudit_settings
  - module: dbaudit.postgresql.overhead_report
extends_documentation_fragment:
  - dbaudit.postgresql.postgres
"""

EXAMPLES = r"""
- name: Create the pgbench tables at scale 10
  dbaudit.postgresql.pgbench_run:
    database: bench_scratch
    bench_user: bench
    bench_password: "{{ bench_password }}"
    mode: initialize
    scale: 10

- name: Read-only benchmark, 4 clients for a minute, audit log measured through SQL
  dbaudit.postgresql.pgbench_run:
    database: bench_scratch
    bench_user: bench
    bench_password: "{{ bench_password }}"
    builtin: select-only
    clients: 4
    threads: 2
    duration: 60
    tags:
      profile: strict
      repeat: 1
  register: run

- name: Same, prepared statements, log read from the file on this host
  dbaudit.postgresql.pgbench_run:
    database: bench_scratch
    bench_user: bench
    bench_password: "{{ bench_password }}"
    options: [-M, prepared]
    log_source: file
    log_file: /var/log/postgresql/postgresql-15-main.log
"""

RETURN = r"""
mode:
  description: V(benchmark) or V(initialize).
  returned: always
  type: str
  sample: benchmark
command:
  description: The pgbench command line (the password is passed in the environment, never here).
  returned: unless in check mode
  type: list
  elements: str
  sample: ["pgbench", "-h", "127.0.0.1", "-p", "5432", "-U", "bench", "-c", "4", "-T", "60", "bench_scratch"]
started:
  description: When pgbench started, UTC, ISO 8601.
  returned: unless in check mode
  type: str
  sample: "2026-11-25T06:40:01.123456+00:00"
ended:
  description: When pgbench ended, UTC, ISO 8601.
  returned: unless in check mode
  type: str
  sample: "2026-11-25T06:41:01.456789+00:00"
pgaudit_log:
  description: The value of C(pgaudit.log) a session of O(bench_user) in O(database) starts with (null when
    pgAudit is not loaded).
  returned: with O(mode=benchmark), unless in check mode
  type: str
  sample: "role,ddl,write"
tps:
  description: Transactions per second, without the initial connection time.
  returned: with O(mode=benchmark), unless in check mode
  type: float
  sample: 812.4
transactions:
  description: Transactions processed.
  returned: with O(mode=benchmark), unless in check mode
  type: int
  sample: 48744
failed_transactions:
  description: Transactions that failed (pgbench 15 and later; null before).
  returned: with O(mode=benchmark), unless in check mode
  type: int
  sample: 0
latency_mean_ms:
  description: Mean transaction latency, milliseconds, as pgbench reports it.
  returned: with O(mode=benchmark), unless in check mode
  type: float
  sample: 4.92
latency_p50_ms:
  description: Median transaction latency, milliseconds, from the per-transaction log.
  returned: with O(mode=benchmark), unless in check mode
  type: float
  sample: 4.1
latency_p95_ms:
  description: 95th percentile transaction latency, milliseconds, from the per-transaction log.
  returned: with O(mode=benchmark), unless in check mode
  type: float
  sample: 9.8
summary:
  description: Everything read from pgbench's closing summary (clients, threads, scaling factor, ...).
  returned: with O(mode=benchmark), unless in check mode
  type: dict
  sample: {"clients": 4, "threads": 2, "scaling_factor": 10, "transaction_type": "<builtin: TPC-B (sort of)>"}
log:
  description: What the run added to the server log.
  returned: with O(mode=benchmark), unless in check mode
  type: dict
  contains:
    measured:
      description: Whether the log was read.
      type: bool
    source:
      description: V(sql), V(file) or V(none).
      type: str
    reason:
      description: Why it was not measured, and how to measure it instead.
      type: str
    bytes:
      description: Bytes the log grew by, everything included.
      type: int
    lines:
      description: Lines the log grew by.
      type: int
    audit_bytes:
      description: Bytes of pgAudit entries (continuation lines included).
      type: int
    audit_lines:
      description: Lines of pgAudit entries.
      type: int
    audit_entries:
      description: pgAudit entries.
      type: int
    match:
      description: The text an audit entry had to contain to count (C(role@database:) when the log_line_prefix
        writes C(%u@%d)), or null when every audit entry counted.
      type: str
  sample: {"measured": true, "source": "sql", "bytes": 1048576, "lines": 6000, "audit_bytes": 1040000,
           "audit_lines": 5990, "audit_entries": 5990, "match": "bench@bench_scratch:", "reason": null}
tags:
  description: O(tags), as given.
  returned: always
  type: dict
  sample: {"profile": "strict", "repeat": 1}
stderr:
  description: What C(pgbench -i) wrote to its standard error (its progress and timings).
  returned: with O(mode=initialize), unless in check mode
  type: str
  sample: "done in 0.52 s (drop tables 0.00 s, create tables 0.01 s, client-side generate 0.31 s, vacuum 0.10 s, ...)."
msg:
  description: In check mode, that nothing ran.
  returned: in check mode
  type: str
  sample: "check mode: pgbench was not run (a benchmark cannot be predicted)"
"""

import datetime
import glob
import os
import shutil
import tempfile
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import audit_match
from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import parse_pgbench_summary
from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import percentile
from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import transaction_latencies_us
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import PostgresError
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import connection_params
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import describe_connection_error
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import ensure_psycopg2
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import one_line
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import postgres_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.postgres_connection import run_module
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal
from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import LogUnavailable
from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import ServerLog
from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import measure_log
from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import not_measured

try:
    import psycopg2
except ImportError:
    psycopg2 = None  # ensure_psycopg2() reports it

CLOUDWATCH_HINT = (
    "On RDS and Aurora, read the CloudWatch Logs metric IncomingBytes (namespace AWS/Logs, dimension LogGroupName "
    "/aws/rds/instance/<id>/postgresql or /aws/rds/cluster/<cluster>/postgresql) summed over the run's "
    "started-ended window, with nothing else running on the instance")
# What pgbench does before a run unless given -n.
PREPARATION = ("VACUUM pgbench_branches", "VACUUM pgbench_tellers", "TRUNCATE pgbench_history")
LIBPQ_ENVIRONMENT = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT"}


class PgbenchFailed(PostgresError):
    """The benchmark could not be run or measured; ``details`` say what ran (command, output, times)."""


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def pgbench_environment(params: Dict[str, Any]) -> Dict[str, str]:
    """libpq environment for pgbench: where to connect (as the module does) and as whom."""
    env = dict(os.environ)
    kw = connection_params(params, params["database"])
    for keyword, variable in LIBPQ_ENVIRONMENT.items():
        if kw.get(keyword) not in (None, ""):
            env[variable] = str(kw[keyword])
    env["PGUSER"] = params["bench_user"]
    env["PGDATABASE"] = params["database"]
    env["PGAPPNAME"] = "dbaudit_pgbench_run"
    if params.get("bench_password"):
        env["PGPASSWORD"] = params["bench_password"]
    else:
        env.pop("PGPASSWORD", None)
    return env


def pgbench_command(program: str, params: Dict[str, Any], log_prefix: str) -> List[str]:
    if params["mode"] == "initialize":
        return [program, "-i", "-q", "-s", str(params["scale"]), params["database"]]
    return [program, "-b", params["builtin"], "-c", str(params["clients"]), "-j", str(params["threads"]),
            "-T", str(params["duration"]), "-n", "-l", "--log-prefix", log_prefix] + list(params["options"]) + \
        [params["database"]]


def validate(params: Dict[str, Any]) -> List[str]:
    """Input errors, all of them, before anything runs."""
    errors = []
    for name in ("clients", "threads", "duration", "scale"):
        if params[name] < 1:
            errors.append("%s must be at least 1, not %d" % (name, params[name]))
    if params["threads"] > params["clients"]:
        errors.append("threads (%d) cannot exceed clients (%d)" % (params["threads"], params["clients"]))
    if params["log_source"] == "file" and not params["log_file"]:
        errors.append("log_source=file needs log_file (the server log on the host that runs the module)")
    return errors


def prepare_as_bench_user(params: Dict[str, Any]) -> Optional[str]:
    """Vacuum and empty pgbench_history as pgbench itself would before a run, but before the log is
    measured (pgbench then runs with -n), so the run's log holds the workload alone; return pgaudit.log
    as a new session of the bench user sees it, to show the profile really applied (role settings
    apply at login)."""
    kw = connection_params(params, params["database"])
    kw["user"] = params["bench_user"]
    kw.pop("password", None)
    if params.get("bench_password"):
        kw["password"] = params["bench_password"]
    try:
        conn = psycopg2.connect(**kw)
    except psycopg2.Error as e:
        raise PgbenchFailed(describe_connection_error(kw, e))
    conn.autocommit = True  # VACUUM cannot run in a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_catalog.current_setting('pgaudit.log', true)")
            pgaudit_log = cursor.fetchone()[0]
            for statement in PREPARATION:
                cursor.execute(statement)
        return pgaudit_log
    except psycopg2.Error as e:
        raise PgbenchFailed("preparing the benchmark as %s in %s failed (is the dataset initialised?): %s"
                            % (params["bench_user"], params["database"], one_line(str(e))))
    finally:
        conn.close()


def run_pgbench(module, command: List[str], env: Dict[str, str]) -> Tuple[str, str, str, str]:
    started = utc_now()
    rc, out, err = module.run_command(command, environ_update=env, cwd=None)
    ended = utc_now()
    if rc != 0:
        raise PgbenchFailed("pgbench failed (rc %d): %s" % (rc, one_line(err or out)[-1500:]),
                            command=command, stdout=out, stderr=err, started=started, ended=ended)
    return out, err, started, ended


def latencies_ms(log_prefix: str) -> List[float]:
    values = []
    for path in glob.glob(log_prefix + ".*"):
        with open(path) as handle:
            values.extend(transaction_latencies_us(handle))
    return [value / 1000.0 for value in values]


def log_before_run(server_log: ServerLog, log_source: str) -> Tuple[Any, Optional[Dict[str, Any]]]:
    """(where the log stands before the run, None), or (None, the ``log`` result) when it will not be measured."""
    if log_source == "none":
        return None, not_measured("none", "log_source=none")
    try:
        server_log.open()
        return server_log.settled_position(), None
    except LogUnavailable as e:
        if log_source != "auto":
            raise PgbenchFailed("cannot read the server log (log_source=%s): %s" % (log_source, e))
        return None, not_measured("none", "the server log is not readable here (%s). %s" % (e, CLOUDWATCH_HINT))


def ensure_initialized(module, command: List[str], env: Dict[str, str]) -> Dict[str, Any]:
    out, err, started, ended = run_pgbench(module, command, env)
    return dict(changed=True, mode="initialize", command=command, started=started, ended=ended, stderr=err,
                tags=module.params["tags"])


def ensure_benchmark(module, command: List[str], env: Dict[str, str], log_prefix: str) -> Dict[str, Any]:
    """Run the benchmark once and measure what it added to the server log."""
    params = module.params
    pgaudit_log = prepare_as_bench_user(params)
    server_log = ServerLog(params, "file" if params["log_source"] == "file" else "sql", params["log_file"])
    start, log = log_before_run(server_log, params["log_source"])
    out, err, started, ended = run_pgbench(module, command, env)
    if log is None:
        try:
            end = server_log.settled_position()
            log = measure_log(server_log, start, end,
                              audit_match(server_log.prefix, params["bench_user"], params["database"]))
        except LogUnavailable as e:
            raise PgbenchFailed("the server log could not be read after the run: %s" % e)
    server_log.close()
    try:
        summary = parse_pgbench_summary(out)
    except ValueError as e:
        raise PgbenchFailed(str(e), command=command, stdout=out, stderr=err)
    latencies = latencies_ms(log_prefix)
    return dict(
        changed=True, mode="benchmark", command=command, started=started, ended=ended, pgaudit_log=pgaudit_log,
        tps=summary["tps"], transactions=summary["transactions"],
        failed_transactions=summary["failed_transactions"], latency_mean_ms=summary["latency_mean_ms"],
        latency_p50_ms=percentile(latencies, 0.50), latency_p95_ms=percentile(latencies, 0.95),
        summary=summary, log=log, tags=params["tags"])


def run_benchmark(module) -> Dict[str, Any]:
    params = module.params
    errors = validate(params)
    if errors:
        raise Refusal("Invalid pgbench_run inputs, nothing ran: " + "; ".join(errors), reasons=errors, errors=errors)
    if module.check_mode:
        return dict(changed=False, mode=params["mode"], tags=params["tags"],
                    msg="check mode: pgbench was not run (a benchmark cannot be predicted)")
    ensure_psycopg2(module)
    program = module.get_bin_path(params["pgbench"], required=True) if os.sep not in params["pgbench"] \
        else params["pgbench"]
    workdir = tempfile.mkdtemp(prefix="dbaudit-pgbench-")
    log_prefix = os.path.join(workdir, "transactions")
    command = pgbench_command(program, params, log_prefix)
    try:
        if params["mode"] == "initialize":
            return ensure_initialized(module, command, pgbench_environment(params))
        return ensure_benchmark(module, command, pgbench_environment(params), log_prefix)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def argument_spec() -> Dict[str, Any]:
    return dict(
        database=dict(type="str", required=True),
        bench_user=dict(type="str", required=True),
        bench_password=dict(type="str", no_log=True),
        mode=dict(type="str", default="benchmark", choices=["benchmark", "initialize"]),
        scale=dict(type="int", default=1),
        builtin=dict(type="str", default="tpcb-like", choices=["tpcb-like", "simple-update", "select-only"]),
        options=dict(type="list", elements="str", default=[]),
        clients=dict(type="int", default=1),
        threads=dict(type="int", default=1),
        duration=dict(type="int", default=10),
        log_source=dict(type="str", default="auto", choices=["auto", "sql", "file", "none"]),
        log_file=dict(type="path"),
        pgbench=dict(type="str", default="pgbench"),
        tags=dict(type="dict", default={}),
    )


def main() -> None:
    module = postgres_module(argument_spec(), require_psycopg2=False)
    run_module(module, run_benchmark, module)


if __name__ == "__main__":
    main()

"""playbooks/measure_overhead.yml on the sandbox, with short runs: the report has every profile
and each run really had its profile, `full` logs more per transaction than `baseline`, nothing is
left behind (scratch database, role, pg_db_role_setting), also when a run fails mid-way, check
mode creates and runs nothing, and a scratch name already in use is refused, not dropped."""

from __future__ import annotations

import json
import uuid

import pytest
from harness import CHECKOUT, run_playbook

PLAYBOOK = CHECKOUT / "playbooks" / "measure_overhead.yml"
PROFILES = ["baseline", "strict", "full"]
SHORT = dict(dbaudit_overhead_scale=1, dbaudit_overhead_clients=2, dbaudit_overhead_threads=1,
             dbaudit_overhead_duration=2, dbaudit_overhead_warmup_duration=0)


def task(run, name):
    """The result of one of the role's tasks (the json callback names them with the role)."""
    return run.result("dbaudit.postgresql.measure_overhead : " + name)


def scratch_names():
    suffix = uuid.uuid4().hex[:8]
    return dict(dbaudit_overhead_database=f"ovh_db_{suffix}", dbaudit_overhead_role=f"ovh_role_{suffix}")


def leftovers(sandbox_env, database, role):
    import psycopg2

    pg = sandbox_env["postgres"]
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname=pg["database"], user=pg["user"],
                            password=pg["password"])
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_catalog.pg_database WHERE datname = %s", [database])
            databases = cursor.fetchall()
            cursor.execute("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = %s", [role])
            roles = cursor.fetchall()
            # Settings of the role, or orphaned ones (a role or database dropped under them).
            cursor.execute(
                "SELECT s.setdatabase, s.setrole, s.setconfig FROM pg_catalog.pg_db_role_setting s "
                "LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole "
                "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
                "WHERE r.rolname = %s OR d.datname = %s OR (s.setrole <> 0 AND r.oid IS NULL) "
                "OR (s.setdatabase <> 0 AND d.oid IS NULL)", [role, database])
            settings = cursor.fetchall()
    finally:
        conn.close()
    return dict(databases=databases, roles=roles, settings=settings)


@pytest.fixture(scope="module")
def measured(sandbox_env, tmp_path_factory):
    """One short interleaved benchmark: two workloads, audit off and three profiles, two repeats."""
    output_dir = tmp_path_factory.mktemp("overhead")
    names = scratch_names()
    extra = dict(SHORT, dbaudit_overhead_repeats=2, dbaudit_overhead_output_dir=str(output_dir), **names)
    run = run_playbook(PLAYBOOK, sandbox_env, extra_vars=extra)
    report = json.loads((output_dir / "overhead.json").read_text()) if run.rc == 0 else {}
    return dict(run=run, report=report, output_dir=output_dir, names=names)


def test_report_has_every_profile_for_every_workload(measured):
    assert measured["run"].rc == 0, measured["run"].explain()
    rows = measured["report"]["rows"]
    assert [(row["workload"], row["profile"]) for row in rows] == [
        (workload, profile) for workload in ("tpcb-like", "select-only") for profile in ["off"] + PROFILES]
    for row in rows:
        assert row["runs"] == 2 and row["tps"]["n"] == 2 and row["tps"]["median"] > 0
        assert row["tps_ratio"]["n"] == 2 and row["tps_ratio"]["min"] <= row["tps_ratio"]["max"]
        assert row["latency_p95_ms"]["median"] >= 0 and row["log_measured"]
        assert row["monthly_gb"] is not None and row["monthly_cost"] is not None
    assert set(measured["report"]["profiles"]) == {"off", *PROFILES}
    for name in ("overhead.md", "overhead.png"):
        assert (measured["output_dir"] / name).stat().st_size > 0
    assert (measured["output_dir"] / "overhead.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (measured["output_dir"] / "overhead.md").read_text()
    assert markdown.count("\n| select-only |") == 4


def test_each_run_had_its_profile_and_the_order_was_interleaved(measured):
    assert measured["run"].rc == 0, measured["run"].explain()
    runs = measured["report"]["runs"]
    expected_log = {"off": "none", "baseline": "role,ddl", "strict": "role,ddl,write", "full": "all"}
    for run in runs:
        assert run["pgaudit_log"].replace(" ", "").lower() == expected_log[run["profile"]], run
    first = [run["profile"] for run in runs if run["workload"] == "tpcb-like" and run["repeat"] == 1]
    second = [run["profile"] for run in runs if run["workload"] == "tpcb-like" and run["repeat"] == 2]
    # A Williams design over off, baseline, strict, full: 0, 1, 3, 2, then shifted by one.
    assert first == ["off", "baseline", "full", "strict"]
    assert second == ["baseline", "strict", "off", "full"]


def test_full_logs_more_per_transaction_than_baseline(measured):
    assert measured["run"].rc == 0, measured["run"].explain()
    rows = {(row["workload"], row["profile"]): row for row in measured["report"]["rows"]}
    for workload in ("tpcb-like", "select-only"):
        full, baseline, off = (rows[(workload, p)]["audit_bytes_per_1000_tx"] for p in ("full", "baseline", "off"))
        assert full > baseline, (workload, full, baseline)
        assert off == 0 and baseline == 0  # pgbench runs no DDL or role statements
    # TPC-B: BEGIN, 3 UPDATEs, SELECT, INSERT, END are all audited by `all`; only the 4 writes by `write`.
    assert rows[("tpcb-like", "full")]["audit_lines_per_tx"] == pytest.approx(7.0, abs=0.05)
    assert rows[("tpcb-like", "strict")]["audit_lines_per_tx"] == pytest.approx(4.0, abs=0.05)
    assert rows[("select-only", "full")]["audit_lines_per_tx"] == pytest.approx(1.0, abs=0.05)
    assert rows[("select-only", "strict")]["audit_bytes_per_1000_tx"] == 0


def test_cleanup_leaves_no_database_role_or_settings(measured, sandbox_env):
    assert measured["run"].rc == 0, measured["run"].explain()
    names = measured["names"]
    assert leftovers(sandbox_env, names["dbaudit_overhead_database"], names["dbaudit_overhead_role"]) == \
        dict(databases=[], roles=[], settings=[])
    assert task(measured["run"], "Reset the pgAudit settings made on the benchmark role")["changed"]


def test_a_failed_run_mid_benchmark_still_cleans_up(sandbox_env, tmp_path):
    names = scratch_names()
    workloads = [dict(name="tpcb-like", builtin="tpcb-like", options=[]),
                 dict(name="broken", builtin="select-only", options=["--no-such-pgbench-option"])]
    run = run_playbook(PLAYBOOK, sandbox_env, extra_vars=dict(
        SHORT, dbaudit_overhead_duration=1, dbaudit_overhead_repeats=1, dbaudit_overhead_workloads=workloads,
        dbaudit_overhead_output_dir=str(tmp_path), **names))
    assert run.rc != 0, run.explain()
    failed = task(run, "Run pgbench broken with off")
    assert failed["failed"] and "pgbench failed" in failed["msg"] and "no-such-pgbench-option" in failed["msg"]
    # Every profile had been applied and run before the failure.
    assert task(run, "Run pgbench tpcb-like with full")["tps"] > 0
    assert task(run, "Drop the scratch database (its sessions ended first)")["changed"]
    assert task(run, "Drop the benchmark role")["changed"]
    assert not task(run, "Cleanup complete").get("failed")
    assert leftovers(sandbox_env, names["dbaudit_overhead_database"], names["dbaudit_overhead_role"]) == \
        dict(databases=[], roles=[], settings=[])
    assert not (tmp_path / "overhead.json").exists()


def test_check_mode_creates_and_runs_nothing(sandbox_env, tmp_path):
    names = scratch_names()
    run = run_playbook(PLAYBOOK, sandbox_env, check=True,
                       extra_vars=dict(SHORT, dbaudit_overhead_output_dir=str(tmp_path), **names))
    assert run.rc == 0, run.explain()
    assert "check mode: nothing is created or run" in task(run, "What would run (check mode runs nothing)")["msg"]
    assert run.changed() == 0
    assert leftovers(sandbox_env, names["dbaudit_overhead_database"], names["dbaudit_overhead_role"]) == \
        dict(databases=[], roles=[], settings=[])
    assert not any(tmp_path.iterdir())


def test_a_scratch_database_that_exists_is_refused_not_dropped(sandbox_env, pg_connect, tmp_path):
    names = scratch_names()
    database = names["dbaudit_overhead_database"]
    conn = pg_connect()
    with conn.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    try:
        run = run_playbook(PLAYBOOK, sandbox_env, extra_vars=dict(
            SHORT, dbaudit_overhead_output_dir=str(tmp_path), **names))
        assert run.rc != 0
        refused = task(run, "The server has pgAudit loaded and the scratch names free")
        assert f"The scratch database {database} already exists" in refused["msg"]
        assert leftovers(sandbox_env, database, names["dbaudit_overhead_role"])["databases"] == [(database,)]
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')

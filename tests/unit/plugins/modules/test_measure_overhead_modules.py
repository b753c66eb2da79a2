"""pgbench_run and overhead_report, their pure parts: the pgbench command line and environment,
input validation, results flattened for the report, the report's Markdown and chart."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import overhead_report  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import pgbench_run  # noqa: E402


def params(**overrides):
    base = dict(database="scratch", bench_user="bench", bench_password="secret", mode="benchmark", scale=1,
                builtin="select-only", options=["-M", "prepared"], clients=4, threads=2, duration=30,
                log_source="auto", log_file=None, login_host="db.example", login_port=5433, login_user="postgres",
                login_password="admin", login_db="postgres", login_unix_socket=None, ssl_mode="require",
                ca_cert=None, connect_params={})
    base.update(overrides)
    return base


def test_benchmark_command_skips_pgbench_preparation_and_logs_each_transaction():
    command = pgbench_run.pgbench_command("/usr/bin/pgbench", params(), "/tmp/x/transactions")
    assert command == ["/usr/bin/pgbench", "-b", "select-only", "-c", "4", "-j", "2", "-T", "30", "-n", "-l",
                       "--log-prefix", "/tmp/x/transactions", "-M", "prepared", "scratch"]
    assert pgbench_run.pgbench_command("pgbench", params(mode="initialize", scale=7), "x") == \
        ["pgbench", "-i", "-q", "-s", "7", "scratch"]


def test_pgbench_connects_where_the_module_does_as_the_bench_user(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-the-controller")
    env = pgbench_run.pgbench_environment(params())
    assert (env["PGHOST"], env["PGPORT"], env["PGSSLMODE"]) == ("db.example", "5433", "require")
    assert (env["PGUSER"], env["PGDATABASE"], env["PGPASSWORD"]) == ("bench", "scratch", "secret")
    assert "PGPASSWORD" not in pgbench_run.pgbench_environment(params(bench_password=None))


def test_validation_names_every_bad_input():
    errors = pgbench_run.validate(params(clients=2, threads=3, duration=0, log_source="file"))
    assert errors == ["duration must be at least 1, not 0", "threads (3) cannot exceed clients (2)",
                      "log_source=file needs log_file (the server log on the host that runs the module)"]
    assert pgbench_run.validate(params()) == []


def result(profile, repeat, tps, **extra):
    found = dict(changed=True, tps=tps, transactions=1000, latency_mean_ms=1.0, latency_p95_ms=2.0,
                 log=dict(measured=True, audit_bytes=100 if profile != "off" else 0, audit_lines=1),
                 tags=dict(workload="tpcb-like", profile=profile, repeat=str(repeat)))
    found.update(extra)
    return found


def test_results_are_flattened_with_their_tags_and_bad_ones_named():
    runs, errors = overhead_report.flatten_runs([
        result("off", 1, 100.0), result("full", 1, 90.0),
        dict(skipped=True, tags=dict(workload="w", profile="p", repeat=1)),
        dict(tps=1.0, tags=dict(workload="w")),
    ])
    assert [(run["profile"], run["repeat"], run["tps"]) for run in runs] == [("off", 1, 100.0), ("full", 1, 90.0)]
    assert errors == ["runs[2]: not a completed benchmark (skipped, failed or check mode)",
                      "runs[3]: tags lack profile, repeat"]


def test_markdown_and_chart_of_a_report(tmp_path):
    runs = overhead_report.flatten_runs([result("off", 1, 100.0), result("full", 1, 90.0)])[0]
    rows = overhead_report.summarize_runs(runs, ["full"], ["tpcb-like"], 100.0, 0.5, 730.0)
    text = overhead_report.markdown(rows, runs, {"scale": 1, "clients": 2}, 100.0, 0.5)
    assert text.startswith("# What auditing costs\n\nscale 1, clients 2.\n\n| Workload |")
    assert "| tpcb-like | full | 90.0 | 0.900 (0.900-0.900) |" in text
    assert "Log volume was not measured" not in text
    assert overhead_report.chart(rows, ["tpcb-like"], ["full"]).startswith(b"\x89PNG")


def test_unmeasured_log_is_explained_in_the_notes():
    unmeasured = dict(measured=False, reason="the server log is not readable here (permission denied). On RDS...")
    runs = overhead_report.flatten_runs([result("off", 1, 100.0, log=unmeasured),
                                         result("full", 1, 90.0, log=unmeasured)])[0]
    rows = overhead_report.summarize_runs(runs, ["full"], ["tpcb-like"], 100.0, 0.5, 730.0)
    assert overhead_report.notes(runs, rows)[-1] == \
        "Log volume was not measured: the server log is not readable here (permission denied). On RDS..."

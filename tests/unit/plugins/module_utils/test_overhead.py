"""module_utils.overhead: pgbench's output read into numbers, the log between two positions read
into audit bytes and lines, the runs summarised per profile (ratios paired by repeat), the
projection and the Markdown table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import overhead  # noqa: E402

PGBENCH_15 = """pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 1
query mode: simple
number of clients: 2
number of threads: 2
maximum number of tries: 1
duration: 2 s
number of transactions actually processed: 4815
number of failed transactions: 0 (0.000%)
latency average = 0.825 ms
initial connection time = 15.315 ms
tps = 2423.480430 (without initial connection time)
"""

PGBENCH_13 = """transaction type: <builtin: select only>
scaling factor: 10
query mode: prepared
number of clients: 4
number of threads: 2
duration: 60 s
number of transactions actually processed: 600000
latency average = 0.400 ms
latency stddev = 0.120 ms
tps = 9990.100000 (including connections establishing)
tps = 10000.500000 (excluding connections establishing)
"""

PREFIX = "2026-11-24 14:50:34 UTC:127.0.0.1(43638):bench@scratch:[17070]:"


def audit(statement: str, who: str = "bench@scratch") -> str:
    return (f"2026-11-24 14:50:34 UTC:127.0.0.1(43638):{who}:[17070]:LOG:  "
            f"AUDIT: SESSION,1,1,WRITE,UPDATE,,,{statement},<not logged>\n")


def test_summary_of_pgbench_15():
    found = overhead.parse_pgbench_summary(PGBENCH_15)
    assert found["tps"] == pytest.approx(2423.48043)
    assert found["transactions"] == 4815
    assert found["failed_transactions"] == 0
    assert found["latency_mean_ms"] == pytest.approx(0.825)
    assert found["latency_stddev_ms"] is None
    assert found["initial_connection_ms"] == pytest.approx(15.315)
    assert (found["clients"], found["threads"], found["scaling_factor"], found["duration_s"]) == (2, 2, 1, 2)
    assert found["transaction_type"] == "<builtin: TPC-B (sort of)>"


def test_summary_of_pgbench_13_takes_the_rate_without_connections():
    found = overhead.parse_pgbench_summary(PGBENCH_13)
    assert found["tps"] == pytest.approx(10000.5)
    assert found["latency_stddev_ms"] == pytest.approx(0.12)
    assert found["failed_transactions"] is None


def test_summary_without_a_rate_says_what_pgbench_printed():
    with pytest.raises(ValueError, match="no 'tps = ...' line.*connection refused"):
        overhead.parse_pgbench_summary("pgbench: error: connection refused\n")


def test_transaction_log_lines_skip_failed_and_skipped():
    lines = ["0 1 4112 0 1795587310 840366", "0 2 734 0 1795587310 841110", "1 3 failed 0 1795587310 841887",
             "1 4 skipped 0 1795587310 841887 12", "", "garbage"]
    assert overhead.transaction_latencies_us(lines) == [4112, 734]


@pytest.mark.parametrize("values, fraction, expected", [
    ([], 0.95, None),
    ([7], 0.95, 7),
    ([1, 2, 3, 4], 0.5, 2.5),
    (list(range(1, 101)), 0.95, 95.05),
    ([10, 1, 5], 1.0, 10),
    ([10, 1, 5], 0.0, 1),
])
def test_percentile_interpolates_between_ranks(values, fraction, expected):
    result = overhead.percentile(values, fraction)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_summarize():
    found = overhead.summarize([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, None])
    assert found["n"] == 8
    assert found["mean"] == pytest.approx(5.0)
    assert found["median"] == pytest.approx(4.5)
    assert (found["min"], found["max"]) == (2.0, 9.0)
    assert found["stdev"] == pytest.approx(2.138, abs=1e-3)
    assert overhead.summarize([3.0])["stdev"] is None
    assert overhead.summarize([])["n"] is None


def test_log_scanner_counts_audit_entries_with_their_continuation_lines():
    log = (f"{PREFIX}LOG:  checkpoint starting: time\n"
           + audit("UPDATE t SET a = 1")
           + "2026-11-24 14:50:34 UTC:127.0.0.1(43638):bench@scratch:[17070]:LOG:  AUDIT: SESSION,2,1,READ,SELECT,,,"
             "\"SELECT a,\n\tb FROM t\",<not logged>\n"
           + audit("UPDATE other", who="app@prod")
           + f"{PREFIX}LOG:  duration: 1 ms\n").encode()
    everything = overhead.LogScanner()
    everything.feed(log)
    counts = everything.finish()
    assert counts["bytes"] == len(log)
    assert counts["lines"] == 6
    assert counts["audit_entries"] == 3
    assert counts["audit_lines"] == 4

    mine = overhead.LogScanner(match="bench@scratch:")
    for index in range(0, len(log), 7):  # chunk boundaries anywhere, mid-line included
        mine.feed(log[index:index + 7])
    counts = mine.finish()
    assert counts["bytes"] == len(log)
    assert counts["audit_entries"] == 2
    assert counts["audit_lines"] == 3
    second = log.split(b"\n")
    assert counts["audit_bytes"] == sum(len(line) + 1 for line in second[1:4])


def test_log_scanner_counts_a_last_line_without_newline():
    scanner = overhead.LogScanner()
    scanner.feed(audit("INSERT").rstrip("\n").encode())
    assert scanner.finish()["audit_lines"] == 1


@pytest.mark.parametrize("start, end, expected", [
    (("a.log", 100), ("a.log", 250), [("a.log", 100, 150)]),
    (("a.log", 100), ("a.log", 100), [("a.log", 100, 0)]),
    (("a.log", 100), ("b.log", 40), [("a.log", 100, None), ("b.log", 0, 40)]),
    (("a.log", 100), ("a.log", 30), [("a.log", 0, 30)]),
])
def test_log_spans_follow_one_rotation(start, end, expected):
    assert overhead.log_spans(start, end) == expected


def test_audit_match_only_when_the_prefix_names_user_and_database():
    assert overhead.audit_match("%t:%r:%u@%d:[%p]:", "bench", "scratch") == "bench@scratch:"
    assert overhead.audit_match("%m [%p] ", "bench", "scratch") is None
    assert overhead.audit_match(None, "bench", "scratch") is None


def test_projection_in_gb_of_2_30_bytes():
    found = overhead.projection(1000.0, 100.0, 0.5, 730.0)
    assert found["monthly_gb"] == pytest.approx(1000 * 100 * 3600 * 730 / 1024 ** 3)
    assert found["monthly_cost"] == pytest.approx(found["monthly_gb"] * 0.5)
    assert overhead.projection(None, 100.0, 0.5, 730.0) == {"monthly_gb": None, "monthly_cost": None}
    assert overhead.projection(0.0, 100.0, 0.5, 730.0)["monthly_cost"] == 0.0


def run(profile, repeat, tps, audit_bytes, transactions=1000, latency=1.0, workload="tpcb-like", measured=True):
    return {"workload": workload, "profile": profile, "repeat": repeat, "tps": tps, "transactions": transactions,
            "latency_mean_ms": latency, "latency_p95_ms": latency * 2,
            "log": {"measured": measured, "audit_bytes": audit_bytes, "audit_lines": audit_bytes // 100}}


def test_ratios_are_paired_by_repeat_so_drift_cancels():
    # The machine gets twice as slow in repeat 2; each profile loses 10% against its neighbour.
    runs = [run("off", 1, 1000.0, 0), run("full", 1, 900.0, 300000, latency=1.1),
            run("full", 2, 450.0, 300000, latency=2.2), run("off", 2, 500.0, 0, latency=2.0)]
    rows = overhead.summarize_runs(runs, ["full"], ["tpcb-like"], 100.0, 0.5, 730.0)
    assert [row["profile"] for row in rows] == ["off", "full"]
    off, full = rows
    assert off["tps_ratio"]["median"] == 1.0
    assert full["tps_ratio"]["min"] == pytest.approx(0.9)
    assert full["tps_ratio"]["max"] == pytest.approx(0.9)
    assert full["tps_ratio"]["stdev"] == pytest.approx(0.0)
    assert full["latency_mean_change_pct"] == pytest.approx(10.0)
    assert full["audit_bytes_per_1000_tx"] == pytest.approx(300000.0)
    assert full["audit_bytes_per_1000_tx_range"] == [pytest.approx(300000.0)] * 2
    assert full["audit_lines_per_tx"] == pytest.approx(3.0)
    assert full["monthly_gb"] == pytest.approx(300.0 * 100 * 3600 * 730 / 1024 ** 3)
    assert off["audit_bytes_per_1000_tx"] == 0.0


def test_rows_per_workload_and_unmeasured_logs():
    runs = [run("off", 1, 100.0, 0, workload="a", measured=False), run("p", 1, 90.0, 0, workload="a", measured=False),
            run("off", 1, 100.0, 0, workload="b"), run("p", 1, 80.0, 5000, workload="b")]
    rows = overhead.summarize_runs(runs, ["p"], ["a", "b"], 100.0, 0.5, 730.0)
    assert [(row["workload"], row["profile"]) for row in rows] == [("a", "off"), ("a", "p"), ("b", "off"), ("b", "p")]
    assert rows[1]["log_measured"] is False
    assert rows[1]["audit_bytes_per_1000_tx"] is None and rows[1]["monthly_cost"] is None
    assert rows[3]["tps_ratio"]["median"] == pytest.approx(0.8)
    assert rows[3]["audit_bytes_per_1000_tx"] == pytest.approx(5000.0)


def test_a_profile_without_its_audit_off_neighbour_has_no_ratio():
    rows = overhead.summarize_runs([run("p", 1, 80.0, 0)], ["p"], ["tpcb-like"], 100.0, 0.5, 730.0)
    assert rows[1]["tps_ratio"]["n"] is None
    assert "n/a" in overhead.markdown_table(rows, 100.0, 0.5).splitlines()[3]


def test_markdown_table():
    runs = [run("off", 1, 1000.0, 0), run("full", 1, 900.0, 1500000, transactions=1000)]
    table = overhead.markdown_table(overhead.summarize_runs(runs, ["full"], ["tpcb-like"], 250.0, 0.5, 730.0),
                                    250.0, 0.5)
    lines = table.splitlines()
    assert "Log GB / month at 250 tx/s" in lines[0] and "$0.50/GB" in lines[0]
    assert lines[1] == "|---|---|---|---|---|---|---|---|---|---|"
    assert lines[2].startswith("| tpcb-like | off | 1,000.0 | 1.000 (1.000-1.000) |")
    assert "| full | 900.0 | 0.900 (0.900-0.900) | 1.000 (+0.0%) |" in lines[3]
    assert "| 1,500,000 (1,500,000-1,500,000) | 15.00 |" in lines[3]

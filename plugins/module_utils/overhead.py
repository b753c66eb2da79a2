# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure parts of measuring what auditing costs (playbooks/measure_overhead.yml): pgbench's output
read into numbers, the server log between two positions read into audit bytes and lines, the runs
of a benchmark summarised per workload and profile (TPS ratio to audit-off paired by repeat, so the
drift of the machine cancels out), the projection of log volume and CloudWatch Logs ingestion cost,
and the Markdown table. Nothing here runs pgbench or talks to a database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
from collections import OrderedDict
from typing import Any
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional
from typing import Tuple

OFF = "off"
# AWS bills CloudWatch Logs ingestion per GB of uncompressed data; GB here is 2^30 bytes.
GB = 1024 ** 3
AUDIT_MARKERS = (b"AUDIT: SESSION,", b"AUDIT: OBJECT,")

_SUMMARY_NUMBERS = (
    ("transactions", re.compile(r"^number of transactions actually processed:\s*(\d+)", re.M), int),
    ("failed_transactions", re.compile(r"^number of failed transactions:\s*(\d+)", re.M), int),
    ("latency_mean_ms", re.compile(r"^latency average\s*=\s*([\d.]+)\s*ms", re.M), float),
    ("latency_stddev_ms", re.compile(r"^latency stddev\s*=\s*([\d.]+)\s*ms", re.M), float),
    ("initial_connection_ms", re.compile(r"^initial connection time\s*=\s*([\d.]+)\s*ms", re.M), float),
    ("clients", re.compile(r"^number of clients:\s*(\d+)", re.M), int),
    ("threads", re.compile(r"^number of threads:\s*(\d+)", re.M), int),
    ("scaling_factor", re.compile(r"^scaling factor:\s*(\d+)", re.M), int),
    ("duration_s", re.compile(r"^duration:\s*(\d+)\s*s", re.M), int),
)
_TRANSACTION_TYPE = re.compile(r"^transaction type:\s*(.+)$", re.M)
# pgbench 14+: "tps = 123.4 (without initial connection time)"; 13 and older print two lines,
# "(including connections establishing)" and "(excluding connections establishing)".
_TPS = re.compile(r"^tps\s*=\s*([\d.]+)\s*\(([^)]*)\)", re.M)


def parse_pgbench_summary(text: str) -> Dict[str, Any]:
    """The numbers of pgbench's closing summary. Raises ValueError when it has no TPS line."""
    found: Dict[str, Any] = OrderedDict()
    for key, pattern, kind in _SUMMARY_NUMBERS:
        match = pattern.search(text)
        found[key] = kind(match.group(1)) if match else None
    match = _TRANSACTION_TYPE.search(text)
    found["transaction_type"] = match.group(1).strip() if match else None
    rates = _TPS.findall(text)
    if not rates:
        raise ValueError("pgbench printed no 'tps = ...' line; its output ends with: %s" % text.strip()[-300:])
    tps = None
    for value, note in rates:
        if "without" in note or "excluding" in note:
            tps = float(value)
    found["tps"] = tps if tps is not None else float(rates[-1][0])
    return found


def transaction_latencies_us(lines: Iterable[str]) -> List[int]:
    """Latencies (microseconds) from pgbench ``--log`` per-transaction lines
    (``client_id transaction_no time script_no time_epoch time_us [schedule_lag]``);
    failed and skipped transactions (``failed``/``skipped`` instead of a time) are left out."""
    latencies = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and fields[2].isdigit():
            latencies.append(int(fields[2]))
    return latencies


def percentile(values: List[float], fraction: float) -> Optional[float]:
    """The ``fraction`` (0..1) percentile, interpolated linearly between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(math.floor(position))
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: List[float]) -> Dict[str, Any]:
    """n, mean, median, min, max and sample standard deviation (None where undefined)."""
    values = [v for v in values if v is not None]
    if not values:
        return OrderedDict((key, None) for key in ("n", "mean", "median", "min", "max", "stdev"))
    mean = sum(values) / len(values)
    stdev = None
    if len(values) > 1:
        stdev = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return OrderedDict([("n", len(values)), ("mean", mean), ("median", percentile(values, 0.5)),
                        ("min", min(values)), ("max", max(values)), ("stdev", stdev)])


class LogScanner(object):
    """Counts what a stretch of a PostgreSQL stderr log holds, fed in chunks of any size.

    A log entry is a line and the lines after it that start with a tab (PostgreSQL indents the
    continuation of a multi-line message, e.g. a statement written on several lines). An entry is an
    audit entry when its first line carries ``AUDIT: SESSION,`` or ``AUDIT: OBJECT,``; with ``match``,
    only audit entries whose first line also contains ``match`` (e.g. ``role@database``) count."""

    def __init__(self, match: Optional[str] = None) -> None:
        self.match = match.encode("utf-8") if match else None
        self.total_bytes = 0
        self.total_lines = 0
        self.audit_bytes = 0
        self.audit_lines = 0
        self.audit_entries = 0
        self._pending = b""
        self._in_audit = False

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        lines = data.split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            self._line(line + b"\n")

    def finish(self) -> Dict[str, int]:
        if self._pending:
            self._line(self._pending)
            self._pending = b""
        return OrderedDict([("bytes", self.total_bytes), ("lines", self.total_lines),
                            ("audit_bytes", self.audit_bytes), ("audit_lines", self.audit_lines),
                            ("audit_entries", self.audit_entries)])

    def _line(self, line: bytes) -> None:
        self.total_bytes += len(line)
        self.total_lines += 1
        if not line.startswith(b"\t"):
            self._in_audit = any(marker in line for marker in AUDIT_MARKERS) and (
                self.match is None or self.match in line)
            if self._in_audit:
                self.audit_entries += 1
        if self._in_audit:
            self.audit_bytes += len(line)
            self.audit_lines += 1


def log_spans(start: Tuple[str, int], end: Tuple[str, int]) -> List[Tuple[str, int, Optional[int]]]:
    """The (file, offset, length) pieces between two log positions (file, size). A rotation between
    them gives the rest of the first file (length None: to its end) and the start of the second;
    a file that shrank (truncated) is read from its start."""
    start_file, start_size = start
    end_file, end_size = end
    if start_file == end_file:
        if end_size < start_size:
            return [(end_file, 0, end_size)]
        return [(end_file, start_size, end_size - start_size)]
    return [(start_file, start_size, None), (end_file, 0, end_size)]


def audit_match(log_line_prefix: str, role: str, database: str) -> Optional[str]:
    """The text that marks the benchmark's own entries, when the log_line_prefix writes ``%u@%d``
    (RDS and Aurora do: ``%t:%r:%u@%d:[%p]:``); None (count every audit entry) otherwise."""
    if "%u@%d" in (log_line_prefix or ""):
        return "%s@%s:" % (role, database)
    return None


def _ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _paired_ratios(runs: List[Dict[str, Any]], off_runs: List[Dict[str, Any]], key: str) -> List[float]:
    """Ratio of each run's ``key`` to the audit-off run of the same repeat (runs next to each other
    in time), so a machine that slows down over the benchmark does not favour one side."""
    off_by_repeat = dict((run["repeat"], run.get(key)) for run in off_runs)
    ratios = []
    for run in runs:
        ratio = _ratio(run.get(key), off_by_repeat.get(run["repeat"]))
        if ratio is not None:
            ratios.append(ratio)
    return ratios


def _change_pct(ratios: List[float]) -> Optional[float]:
    median = percentile(ratios, 0.5)
    return None if median is None else (median - 1.0) * 100.0


def projection(bytes_per_transaction: Optional[float], transactions_per_second: float, price_per_gb: float,
               hours_per_month: float) -> Dict[str, Optional[float]]:
    """Monthly audit log volume (GB of 2^30 bytes) and CloudWatch Logs ingestion cost at a steady rate."""
    if bytes_per_transaction is None:
        return OrderedDict([("monthly_gb", None), ("monthly_cost", None)])
    monthly_bytes = bytes_per_transaction * transactions_per_second * 3600.0 * hours_per_month
    monthly_gb = monthly_bytes / GB
    return OrderedDict([("monthly_gb", monthly_gb), ("monthly_cost", monthly_gb * price_per_gb)])


def summarize_runs(runs: List[Dict[str, Any]], profiles: List[str], workloads: List[str],
                   transactions_per_second: float, price_per_gb: float,
                   hours_per_month: float) -> List[Dict[str, Any]]:
    """One row per workload and arm (``off`` first, then ``profiles``) from the runs, each run a dict
    with ``workload``, ``profile``, ``repeat``, ``tps``, ``transactions``, ``latency_mean_ms``,
    ``latency_p95_ms`` and ``log`` (``measured``, ``audit_bytes``, ``audit_lines``)."""
    rows = []
    for workload in workloads:
        of_workload = [run for run in runs if run["workload"] == workload]
        off_runs = [run for run in of_workload if run["profile"] == OFF]
        for profile in [OFF] + [p for p in profiles if p != OFF]:
            mine = [run for run in of_workload if run["profile"] == profile]
            tps_ratios = [1.0] * len(mine) if profile == OFF else _paired_ratios(mine, off_runs, "tps")
            measured = [run for run in mine if (run.get("log") or {}).get("measured")]
            transactions = sum(run.get("transactions") or 0 for run in measured)
            audit_bytes = sum(run["log"]["audit_bytes"] for run in measured)
            audit_lines = sum(run["log"]["audit_lines"] for run in measured)
            bytes_per_tx = float(audit_bytes) / transactions if measured and transactions else None
            per_run_per_1000 = [1000.0 * run["log"]["audit_bytes"] / run["transactions"]
                                for run in measured if run.get("transactions")]
            row = OrderedDict([
                ("workload", workload),
                ("profile", profile),
                ("runs", len(mine)),
                ("tps", summarize([run.get("tps") for run in mine])),
                ("tps_ratio", summarize(tps_ratios)),
                ("latency_mean_ms", summarize([run.get("latency_mean_ms") for run in mine])),
                ("latency_p95_ms", summarize([run.get("latency_p95_ms") for run in mine])),
                ("latency_mean_change_pct", 0.0 if profile == OFF and mine else
                 _change_pct(_paired_ratios(mine, off_runs, "latency_mean_ms"))),
                ("latency_p95_change_pct", 0.0 if profile == OFF and mine else
                 _change_pct(_paired_ratios(mine, off_runs, "latency_p95_ms"))),
                ("log_measured", bool(measured)),
                ("transactions", sum(run.get("transactions") or 0 for run in mine)),
                ("audit_bytes", audit_bytes if measured else None),
                ("audit_lines", audit_lines if measured else None),
                ("audit_bytes_per_1000_tx", None if bytes_per_tx is None else bytes_per_tx * 1000.0),
                ("audit_bytes_per_1000_tx_range", [min(per_run_per_1000), max(per_run_per_1000)]
                 if per_run_per_1000 else None),
                ("audit_lines_per_tx", float(audit_lines) / transactions if measured and transactions else None),
            ])
            row.update(projection(bytes_per_tx, transactions_per_second, price_per_gb, hours_per_month))
            rows.append(row)
    return rows


def _num(value: Optional[float], digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return "{:,.{}f}".format(value, digits)


def markdown_table(rows: List[Dict[str, Any]], transactions_per_second: float, price_per_gb: float) -> str:
    """The report's table: one line per workload and profile."""
    header = ("| Workload | Profile | TPS (median) | TPS ratio to off (median, min-max) | Mean latency ms (change) "
              "| p95 latency ms (change) | Audit bytes / 1,000 tx (min-max) | Audit lines / tx "
              "| Log GB / month at %s tx/s | Ingestion $ / month at $%s/GB |"
              % (_num(transactions_per_second, 0), _num(price_per_gb, 2)))
    lines = [header, "|" + "---|" * 10]
    for row in rows:
        ratio = row["tps_ratio"]
        spread = "n/a" if ratio["median"] is None else "%s (%s-%s)" % (
            _num(ratio["median"], 3), _num(ratio["min"], 3), _num(ratio["max"], 3))
        per_1000 = _num(row["audit_bytes_per_1000_tx"])
        if row["audit_bytes_per_1000_tx_range"]:
            low, high = row["audit_bytes_per_1000_tx_range"]
            per_1000 += " (%s-%s)" % (_num(low), _num(high))
        lines.append("| %s | %s | %s | %s | %s (%s) | %s (%s) | %s | %s | %s | %s |" % (
            row["workload"], row["profile"], _num(row["tps"]["median"], 1), spread,
            _num(row["latency_mean_ms"]["median"], 3), _signed_pct(row["latency_mean_change_pct"]),
            _num(row["latency_p95_ms"]["median"], 3), _signed_pct(row["latency_p95_change_pct"]),
            per_1000, _num(row["audit_lines_per_tx"], 2), _num(row["monthly_gb"], 1),
            _num(row["monthly_cost"], 2)))
    return "\n".join(lines) + "\n"


def _signed_pct(value: Optional[float]) -> str:
    return "n/a" if value is None else "%+.1f%%" % value

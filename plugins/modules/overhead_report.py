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
module: overhead_report
short_description: Summarise pgbench runs per audit profile into a JSON report, a Markdown table and a PNG chart
version_added: 0.1.0
description:
  - Takes the results of M(dbaudit.postgresql.pgbench_run) (each tagged with its C(workload), C(profile) and
    C(repeat); audit-off runs have profile V(off)) and reports, per workload and profile, the TPS and its ratio to
    audit-off with the spread over repeats, the change of mean and p95 latency, the audit log bytes per 1,000
    transactions and lines per transaction, and the projected monthly log volume and CloudWatch Logs ingestion
    cost at O(transactions_per_second) and O(price_per_gb).
  - Ratios are taken between runs of the same repeat, which ran next to each other, so a machine that gets slower
    or faster during the benchmark does not favour one side.
  - Writes C(overhead.json), C(overhead.md) and C(overhead.png) to O(output_dir), each only when its content
    changes (the report has no time of its own; the runs' start and end times are part of its content).
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  runs:
    description:
      - Results of M(dbaudit.postgresql.pgbench_run) in benchmark mode (a registered loop's C(results) will do),
        each with C(tags) holding C(workload), C(profile) and C(repeat).
    type: list
    elements: dict
    required: true
  profiles:
    description: The audit profiles measured, in report order (V(off) is always reported first).
    type: list
    elements: str
    required: true
  workloads:
    description: The workloads measured, in report order.
    type: list
    elements: str
    required: true
  settings:
    description: The pgAudit settings of each profile, recorded in the report.
    type: dict
    default: {}
  context:
    description: How the benchmark ran (scale, clients, duration, server version, ...), recorded in the report.
    type: dict
    default: {}
  transactions_per_second:
    description: The production transaction rate the monthly log volume and cost are projected at.
    type: float
    default: 100
  price_per_gb:
    description: CloudWatch Logs ingestion price per GB, in dollars (us-east-1 standard class, 2025).
    type: float
    default: 0.5
  hours_per_month:
    description: Hours in a month, for the projection (AWS prices use 730).
    type: float
    default: 730
  output_dir:
    description: Directory the report files are written to (created if missing).
    type: path
    required: true
attributes:
  check_mode:
    description: In check mode the report is computed and returned, and C(changed) says whether a file would change;
      nothing is written.
    support: full
  diff_mode:
    description: Each file that changes, before and after (the PNG chart as its size and checksum).
    support: full
notes:
  - GB in the projection is 2^30 bytes. The projection counts pgAudit entries only; the rest of the server log
    (connections, checkpoints, errors) is billed too.
seealso:
  - module: dbaudit.postgresql.pgbench_run
"""

EXAMPLES = r"""
- name: Report the benchmark
  dbaudit.postgresql.overhead_report:
    runs: "{{ benchmark_runs.results }}"
    profiles: [baseline, strict, full]
    workloads: [tpcb-like, select-only]
    transactions_per_second: 250
    price_per_gb: 0.5
    output_dir: /tmp/overhead
"""

RETURN = r"""
rows:
  description: One entry per workload and profile (audit-off first), with the figures of the table.
  returned: always
  type: list
  elements: dict
  sample:
    - workload: tpcb-like
      profile: full
      runs: 3
      tps: {"n": 3, "mean": 710.2, "median": 705.0, "min": 690.1, "max": 735.5, "stdev": 23.1}
      tps_ratio: {"n": 3, "mean": 0.87, "median": 0.88, "min": 0.84, "max": 0.9, "stdev": 0.03}
      latency_mean_change_pct: 14.2
      latency_p95_change_pct: 18.9
      audit_bytes_per_1000_tx: 1523000.0
      audit_bytes_per_1000_tx_range: [1519000.0, 1527000.0]
      audit_lines_per_tx: 7.0
      monthly_gb: 373.4
      monthly_cost: 186.7
markdown:
  description: The Markdown report (as written to C(overhead.md)).
  returned: always
  type: str
files:
  description: The report's files (each written only when its content changes, never in check mode).
  returned: always
  type: dict
  sample: {"json": "/tmp/overhead/overhead.json", "markdown": "/tmp/overhead/overhead.md",
           "png": "/tmp/overhead/overhead.png"}
run_order:
  description: The runs in the order they ran (workload, profile, repeat), to show the interleaving.
  returned: always
  type: list
  elements: str
  sample: ["tpcb-like/off/1", "tpcb-like/baseline/1", "tpcb-like/full/1", "tpcb-like/baseline/2"]
diff:
  description: Per file that changes (or would), its content before (empty when there was none) and after.
  returned: when a file changes (or would) and diff mode is on
  type: list
  elements: dict
  sample: [{"before_header": "/tmp/overhead/overhead.md (absent)", "after_header": "/tmp/overhead/overhead.md",
            "before": "", "after": "# What auditing costs\n..."}]
"""

import json
import os
from collections import OrderedDict

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import OFF
from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import markdown_table
from ansible_collections.dbaudit.postgresql.plugins.module_utils.overhead import summarize_runs
from ansible_collections.dbaudit.postgresql.plugins.module_utils.png_chart import overhead_chart
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import diff
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import write_changes

RUN_FIELDS = ("tps", "transactions", "failed_transactions", "latency_mean_ms", "latency_p50_ms", "latency_p95_ms",
              "pgaudit_log", "started", "ended", "log")


def flatten_runs(results):
    """(runs, errors): the figures of each benchmark result with its tags lifted to the top."""
    runs, errors = [], []
    for index, result in enumerate(results):
        tags = result.get("tags") or {}
        missing = [key for key in ("workload", "profile", "repeat") if key not in tags]
        if missing or result.get("skipped") or result.get("tps") is None:
            errors.append("runs[%d]: %s" % (index, "tags lack %s" % ", ".join(missing) if missing
                                            else "not a completed benchmark (skipped, failed or check mode)"))
            continue
        run = OrderedDict([("workload", tags["workload"]), ("profile", tags["profile"]),
                           ("repeat", int(tags["repeat"]))])
        for key in RUN_FIELDS:
            run[key] = result.get(key)
        runs.append(run)
    return runs, errors


def notes(runs, rows):
    text = [
        "Runs were interleaved: in each repeat every profile ran once, next to an audit-off run, in an order "
        "rotated from one repeat to the next. TPS ratios are taken within a repeat and summarised over repeats "
        "(median, min-max), so a machine that drifts does not favour one side. On a shared or small machine the "
        "spread is the honest part of the figure: treat ratios within it of 1.0 as no measurable difference.",
        "Audit bytes count pgAudit entries in the server log (continuation lines included); GB is 2^30 bytes.",
    ]
    unmeasured = [row for row in rows if not row["log_measured"]]
    if unmeasured:
        reasons = sorted(set((run["log"] or {}).get("reason") or "not measured" for run in runs
                             if not (run["log"] or {}).get("measured")))
        text.append("Log volume was not measured: " + " / ".join(reasons))
    return text


def markdown(rows, runs, context, transactions_per_second, price_per_gb):
    described = ", ".join("%s %s" % (key.replace("_", " "), value) for key, value in context.items())
    parts = ["# What auditing costs", ""]
    if described:
        parts += [described + ".", ""]
    parts.append(markdown_table(rows, transactions_per_second, price_per_gb))
    parts += ["- " + note for note in notes(runs, rows)]
    return "\n".join(parts) + "\n"


def chart(rows, workloads, profiles):
    series = [OFF] + [p for p in profiles if p != OFF]
    ratios, ratio_ranges, volume, volume_ranges = {}, {}, {}, {}
    for row in rows:
        group, name = row["workload"], row["profile"]
        ratios.setdefault(group, {})[name] = row["tps_ratio"]["median"]
        if row["tps_ratio"]["n"]:
            ratio_ranges.setdefault(group, {})[name] = (row["tps_ratio"]["min"], row["tps_ratio"]["max"])
        per_1000 = row["audit_bytes_per_1000_tx"]
        volume.setdefault(group, {})[name] = None if per_1000 is None else per_1000 / 1024.0
        if row["audit_bytes_per_1000_tx_range"]:
            low, high = row["audit_bytes_per_1000_tx_range"]
            volume_ranges.setdefault(group, {})[name] = (low / 1024.0, high / 1024.0)
    return overhead_chart(workloads, series, [
        dict(title="TPS RATIO TO AUDIT OFF", values=ratios, ranges=ratio_ranges, label=lambda v: "%.2f" % v),
        dict(title="AUDIT LOG KB PER 1000 TX", values=volume, ranges=volume_ranges, label=lambda v: "%.0f" % v),
    ])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            runs=dict(type="list", elements="dict", required=True),
            profiles=dict(type="list", elements="str", required=True),
            workloads=dict(type="list", elements="str", required=True),
            settings=dict(type="dict", default={}),
            context=dict(type="dict", default={}),
            transactions_per_second=dict(type="float", default=100.0),
            price_per_gb=dict(type="float", default=0.5),
            hours_per_month=dict(type="float", default=730.0),
            output_dir=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    runs, errors = flatten_runs(params["runs"])
    for name in ("transactions_per_second", "price_per_gb", "hours_per_month"):
        if params[name] < 0:
            errors.append("%s cannot be negative" % name)
    if errors:
        module.fail_json(msg="Cannot report these runs: " + "; ".join(errors), errors=errors)

    rows = summarize_runs(runs, params["profiles"], params["workloads"], params["transactions_per_second"],
                          params["price_per_gb"], params["hours_per_month"])
    text = markdown(rows, runs, params["context"], params["transactions_per_second"], params["price_per_gb"])
    report = OrderedDict([
        ("context", params["context"]),
        ("inputs", OrderedDict((name, params[name]) for name in
                               ("transactions_per_second", "price_per_gb", "hours_per_month"))),
        ("profiles", params["settings"]),
        ("rows", rows),
        ("runs", runs),
        ("notes", notes(runs, rows)),
    ])
    output_dir = params["output_dir"]
    files = dict(json=os.path.join(output_dir, "overhead.json"), markdown=os.path.join(output_dir, "overhead.md"),
                 png=os.path.join(output_dir, "overhead.png"))
    contents = OrderedDict([(files["json"], to_bytes(json.dumps(report, indent=2) + "\n")),
                            (files["markdown"], to_bytes(text)),
                            (files["png"], chart(rows, params["workloads"], params["profiles"]))])
    try:
        changed = changes(contents)
        if not module.check_mode:
            write_changes(module, output_dir, changed)
    except OSError as e:
        module.fail_json(msg="cannot write the report to output_dir %s: %s" % (output_dir, e))
    result = dict(changed=bool(changed), rows=rows, markdown=text, files=files,
                  run_order=["%s/%s/%s" % (run["workload"], run["profile"], run["repeat"]) for run in runs])
    if changed and module._diff:  # pylint: disable=protected-access
        result["diff"] = diff(changed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

"""Ansible callback for benchmarks/enable_audit_fleet.py (not part of the collection): one JSON line per task
result per host, appended to the file named by ``DBAUDIT_BENCH_COUNTS``, and the recap per host at the end.

Enabled by the benchmark only (``ANSIBLE_CALLBACK_PLUGINS=benchmarks/callback_plugins``,
``ANSIBLE_CALLBACKS_ENABLED=bench_task_counts``). A line holds what the benchmark counts module processes from:
the task's action, the host, the status (``retry`` for an ``until`` attempt tried again), for a loop how many items
ran (not skipped), and for a failure the task and the error. Which actions run a module process is the benchmark's
business (its CONTROLLER_ACTIONS), not this file's.
"""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_task_counts
type: aggregate
short_description: task results per host as JSON lines, for benchmarks/enable_audit_fleet.py
description: Appends one JSON line per task result per host to the file in DBAUDIT_BENCH_COUNTS.
requirements: [enabled in callbacks_enabled]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_task_counts"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("DBAUDIT_BENCH_COUNTS")

    def _write(self, record: dict) -> None:
        if self._path:
            with open(self._path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, sort_keys=True) + "\n")

    def _record(self, result, status: str) -> None:
        outcome = result._result
        items = outcome.get("results") if isinstance(outcome.get("results"), list) else None
        record = {"host": result._host.get_name(), "action": result._task.action, "status": status,
                  "task": result._task.get_name(), "changed": bool(outcome.get("changed"))}
        if items is not None:
            record["items"] = sum(1 for item in items if isinstance(item, dict) and not item.get("skipped"))
        if status in ("failed", "unreachable"):
            failed = [item for item in items or [] if isinstance(item, dict) and item.get("failed")]
            record["error"] = str((failed[0] if failed else outcome).get("msg", ""))[:2000]
        self._write(record)

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_runner_retry(self, result):
        # An attempt of an ``until`` loop that is tried again: a module process of its own.
        self._record(result, "retry")

    def v2_playbook_on_stats(self, stats):
        self._write({"recap": {host: stats.summarize(host) for host in sorted(stats.processed)}})

"""Helpers the integration tests share: run real ansible-playbook, talk to the sandbox.

Nothing here imports a module under test: playbooks run through the ``ansible-playbook``
command line with the ansible.posix.json callback, and results are read from its output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    rc: int
    stdout: str
    stderr: str
    report: dict = field(default_factory=dict)

    @property
    def stats(self) -> dict:
        return self.report.get("stats", {})

    def changed(self, host: str = "localhost") -> int:
        return self.stats.get(host, {}).get("changed", 0)

    def failed(self, host: str = "localhost") -> int:
        host_stats = self.stats.get(host, {})
        return host_stats.get("failures", 0) + host_stats.get("unreachable", 0)

    def tasks(self) -> list[dict]:
        out = []
        for play in self.report.get("plays", []):
            out.extend(play.get("tasks", []))
        return out

    def result(self, task_name: str, host: str = "localhost") -> dict:
        """The result of the task named ``task_name`` (the last one of that name)."""
        found = None
        for task in self.tasks():
            if task["task"]["name"] == task_name and host in task["hosts"]:
                found = task["hosts"][host]
        if found is None:
            names = [task["task"]["name"] for task in self.tasks()]
            raise KeyError(f"no task {task_name!r} for {host} in this run; tasks: {names}\n{self.stderr}")
        return found

    def warnings(self) -> list[str]:
        """Every warning and deprecation of the run: the [WARNING] / [DEPRECATION WARNING] lines Ansible printed,
        and those the json callback keeps in task results (module warnings and deprecations, loop items too)."""
        found = [line for line in self.stderr.splitlines() if line.startswith(("[WARNING]", "[DEPRECATION WARNING]"))]

        def walk(value):
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in ("warnings", "deprecations") and isinstance(item, list):
                        found.extend(f"{key}: {w.get('msg') if isinstance(w, dict) else w}" for w in item)
                    else:
                        walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for task in self.tasks():
            walk(task["hosts"])
        return found

    def explain(self) -> str:
        failures = []
        for task in self.tasks():
            for host, res in task["hosts"].items():
                if res.get("failed") or res.get("unreachable"):
                    failures.append(f"{task['task']['name']} on {host}: {res.get('msg')}")
        return f"rc={self.rc}\nfailures: {failures}\nstderr: {self.stderr[-3000:]}\nstdout: {self.stdout[-2000:]}"


def ansible_env(sandbox_env: dict | None = None, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(CHECKOUT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    if sandbox_env:
        env.update(sandbox_exports(sandbox_env))
    env.update(extra or {})
    return env


def sandbox_exports(sandbox_env: dict) -> dict[str, str]:
    """The libpq and AWS variables that point ansible-playbook (and its modules) at the sandbox."""
    from sandbox.state import shell_exports

    return shell_exports(sandbox_env)


def run_playbook(playbook: str | Path, sandbox_env: dict | None = None, *, extra_vars: dict | None = None,
                 check: bool = False, diff: bool = False, inventory: str | Path | None = None,
                 args: list[str] | None = None, env: dict | None = None, timeout: int = 900) -> PlaybookRun:
    """Run ``ansible-playbook`` on a file, or on YAML text written to a temporary file."""
    with tempfile.TemporaryDirectory(prefix="dbaudit-play-") as tmp:
        if isinstance(playbook, Path) or (isinstance(playbook, str) and "\n" not in playbook):
            path = Path(playbook)
        else:
            path = Path(tmp) / "playbook.yml"
            path.write_text(textwrap.dedent(playbook), encoding="utf-8")
        cmd = [str(BIN / "ansible-playbook"), str(path)]
        cmd += ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
        if extra_vars:
            vars_file = Path(tmp) / "extra_vars.json"
            vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
            cmd += ["-e", f"@{vars_file}"]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        cmd += args or []
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=CHECKOUT, timeout=timeout, check=False,
                              env=ansible_env(sandbox_env, env))
    report = {}
    start = proc.stdout.find("{")
    if start >= 0:
        try:
            report = json.loads(proc.stdout[start:])
        except ValueError:
            report = {}
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, report)


class LogTail:
    """Reads what a log file gained since the tail was opened (or last read)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def read(self) -> str:
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        self.offset += len(data)
        return data.decode("utf-8", errors="replace")


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.2):
    """Poll until predicate() is truthy; return its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


class Rival:
    """A boto3 client whose ``before[operation]`` runs once, just before this run's first call of ``operation``:
    a concurrent run (another job slice) acting between a module's read and its write, made deterministic."""

    def __init__(self, client, before):
        self._client, self._before, self.calls = client, dict(before), []

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if not callable(attribute) or name in ("get_paginator", "can_paginate"):
            return attribute

        def call(*args, **kwargs):
            self.calls.append(name)
            rival = self._before.pop(name, None)
            if rival:
                rival()
            return attribute(*args, **kwargs)

        return call

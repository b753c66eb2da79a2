"""Running one Lambda invocation of an unpacked zip in a subprocess.

The Lambda runtime's Python is 3.12 and the zips carry cp312 manylinux wheels. If a python3.12
is found (pyenv shim included) it runs the code with only the zip and the runtime-provided
boto3/botocore on its path, as Lambda does. Otherwise the sandbox's own interpreter runs it with
the zip first on the path: the pure-Python parts of the zip come first, compiled wheels built for
another Python version fail to import and the interpreter's own installed copy (the venv has
aws-encryption-sdk and cryptography) is used instead; the runner says which it uses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")

# Run inside the child: imports the handler, calls it with the event and a context that knows its deadline.
BOOTSTRAP = """
import importlib, json, sys, time
handler_path, event_path, timeout_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
module_name, _sep, function_name = handler_path.rpartition(".")
class Context:
    def __init__(self):
        self.deadline = time.monotonic() + timeout_s
        self.function_name = "sandbox"
        self.aws_request_id = "sandbox-request"
    def get_remaining_time_in_millis(self):
        return int((self.deadline - time.monotonic()) * 1000)
handler = getattr(importlib.import_module(module_name), function_name)
result = handler(json.load(open(event_path)), Context())
sys.stdout.write("\\n__DBAUDIT_RESULT__" + json.dumps(result) + "\\n")
"""
RESULT_MARK = "__DBAUDIT_RESULT__"


@dataclass
class Invocation:
    ok: bool
    result: Any
    duration_s: float
    error: str = ""
    log: str = ""


def find_python312() -> str | None:
    found = shutil.which("python3.12")
    if not found:
        return None
    try:
        probe = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2] == (3, 12), sys.executable)"],
                               capture_output=True, text=True, check=False, timeout=20,
                               env={**os.environ, "PYENV_VERSION": "3.12"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    # The interpreter itself, not a pyenv shim (a shim costs a shell and pyenv on every invocation).
    is_312, _sep, executable = probe.stdout.strip().partition(" ")
    return (executable or found) if is_312 == "True" else None


def runtime_dir(cache_dir: Path) -> Path:
    """A directory of links to the interpreter's boto3/botocore: what the Lambda runtime provides."""
    target = Path(cache_dir) / "runtime"
    target.mkdir(parents=True, exist_ok=True)
    site_packages = Path(__import__("boto3").__file__).parent.parent
    for name in RUNTIME_PACKAGES:
        link = target / name
        if not link.exists() and (site_packages / name).exists():
            link.symlink_to(site_packages / name)
    return target


class Invoker:
    def __init__(self, aws_env: dict[str, str], cache_dir: Path, python: str | None = None):
        self.aws_env = aws_env
        self.cache_dir = Path(cache_dir)
        self.python312 = python if python is not None else find_python312()
        self.runtime = runtime_dir(self.cache_dir) if self.python312 else None

    @property
    def interpreter(self) -> str:
        return self.python312 or sys.executable

    def child_env(self, code_dir: Path, variables: dict[str, str]) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(code_dir)), "LANG": "C.UTF-8"}
        env.update(variables)
        env.update(self.aws_env)
        if self.python312:
            env["PYENV_VERSION"] = "3.12"
            env["PYTHONPATH"] = os.pathsep.join([str(code_dir), str(self.runtime)])
        else:
            env["PYTHONPATH"] = str(code_dir)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def invoke(self, code_dir: Path, handler: str, event: dict, timeout_s: float,
               variables: dict[str, str]) -> Invocation:
        started = time.monotonic()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
            json.dump(event, handle)
            event_path = handle.name
        try:
            done = subprocess.run([self.interpreter, "-c", BOOTSTRAP, handler, event_path, str(timeout_s)],
                                  capture_output=True, text=True, check=False, timeout=timeout_s,
                                  env=self.child_env(code_dir, variables), cwd=code_dir)
        except subprocess.TimeoutExpired as expired:
            return Invocation(False, None, time.monotonic() - started, f"timed out after {timeout_s} s",
                              str(expired.stderr or ""))
        finally:
            os.unlink(event_path)
        duration = time.monotonic() - started
        out, mark, tail = done.stdout.rpartition(RESULT_MARK)
        if done.returncode != 0 or not mark:
            lines = done.stderr.strip().splitlines()
            return Invocation(False, None, duration, lines[-1] if lines else f"exit {done.returncode}",
                              done.stderr)
        return Invocation(True, json.loads(tail), duration, "", out + done.stderr)

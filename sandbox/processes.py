"""Child processes the sandbox starts and, by recorded PID, stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import state


def spawn(module: str, args: list[str], log_file: Path, extra_env: dict | None = None) -> subprocess.Popen:
    """Run ``python -m <module> <args>`` in its own session, output appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(state.CHECKOUT), **(extra_env or {}))
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(proxy, None)
    with open(log_file, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", module, *args], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=state.CHECKOUT, env=env, start_new_session=True)


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop(pid: int | None, module: str) -> bool:
    """Stop the process we recorded, and only if that PID still runs our module."""
    if not pid or not state.pid_alive(pid) or f"-m {module}" not in _cmdline(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while state.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if state.pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    return True

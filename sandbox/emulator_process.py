"""Start and stop the emulator (``python -m sandbox.emulator``) as a child process we own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from . import state

ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"  # noqa: S105 - the emulator accepts any key


def _ready(endpoint: str) -> bool:
    try:
        # The endpoint is always http://127.0.0.1:<port> (we built it above).
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def start(name: str) -> dict:
    directory = state.state_dir(name) / "emulator"
    directory.mkdir(parents=True, exist_ok=True)
    port = state.free_port()
    log = open(directory / "emulator.log", "ab")  # noqa: SIM115 - handed to the child
    env = dict(os.environ, PYTHONPATH=str(state.CHECKOUT), AWS_DEFAULT_REGION=state.REGION)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(proxy, None)
    child = subprocess.Popen(
        [sys.executable, "-m", "sandbox.emulator", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        cwd=state.CHECKOUT, env=env, start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not _ready(endpoint):
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise RuntimeError(f"the AWS emulator did not start; see {directory / 'emulator.log'}")
        time.sleep(0.2)
    return {
        "endpoint_url": endpoint,
        "port": port,
        "region": state.REGION,
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
        "pid": child.pid,
        "log_file": str(directory / "emulator.log"),
    }


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop(pid: int | None) -> bool:
    """Stop the emulator whose PID we recorded, and only if that PID is still ours."""
    if not pid or not state.pid_alive(pid) or "sandbox.emulator" not in _cmdline(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while state.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if state.pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    return True

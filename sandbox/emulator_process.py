"""Start and stop the emulator (``python -m sandbox.emulator``) as a child process we own."""

from __future__ import annotations

import time
import urllib.request

from . import processes, state

MODULE = "sandbox.emulator"
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"  # noqa: S105 - the emulator accepts any key


def _ready(endpoint: str) -> bool:
    try:
        # The endpoint is always http://127.0.0.1:<port> (built below).
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def start(name: str) -> dict:
    directory = state.state_dir(name) / "emulator"
    port = state.free_port()
    child = processes.spawn(MODULE, ["--host", "127.0.0.1", "--port", str(port)], directory / "emulator.log",
                            {"AWS_DEFAULT_REGION": state.REGION})
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


def stop(pid: int | None) -> bool:
    return processes.stop(pid, MODULE)

"""`sandbox up|down|status` on a second, named sandbox: separate ports, PID-scoped stop, crash recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from harness import CHECKOUT


def sandbox(*args):
    return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=CHECKOUT, capture_output=True,
                          text=True, timeout=180, check=False)


def test_second_sandbox_runs_beside_the_first_and_recovers_from_a_crash(sandbox_env):
    from sandbox import state

    name = f"lifecycle{os.getpid()}"
    try:
        assert sandbox("up", "--name", name).returncode == 0
        env = state.read_json(state.env_file(name))
        assert env["postgres"]["port"] != sandbox_env["postgres"]["port"]
        assert env["aws"]["port"] != sandbox_env["aws"]["port"]
        assert sandbox("status", "--name", name).returncode == 0

        # Simulate a crash: the emulator dies without `down`. `up` must recover, not fail.
        os.kill(env["aws"]["pid"], signal.SIGKILL)
        assert sandbox("status", "--name", name).returncode == 3
        again = sandbox("up", "--name", name)
        assert again.returncode == 0, again.stderr
        assert sandbox("status", "--name", name).returncode == 0
    finally:
        down = sandbox("down", "--name", name)
    assert down.returncode == 0
    assert "postgres stopped" in down.stdout and "emulator stopped" in down.stdout
    # The first sandbox is untouched by the second one's down.
    assert state.pid_alive(sandbox_env["postgres"]["pid"]) and state.pid_alive(sandbox_env["aws"]["pid"])

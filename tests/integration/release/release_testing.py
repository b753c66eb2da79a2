"""Helpers of the release tests."""

from __future__ import annotations

import subprocess


def run(cmd: list, env: dict, cwd) -> subprocess.CompletedProcess:
    """Run a command (paths allowed in it) and assert that it succeeded, showing its output when not."""
    proc = subprocess.run([str(part) for part in cmd], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600, check=False)
    assert proc.returncode == 0, f"{cmd}: rc={proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc

"""Where a sandbox keeps its files, and the env file it publishes.

Every sandbox lives in ``<checkout>/.sandbox/<name>/`` (ignored by git):

- ``env.json``: endpoints and credentials, read by playbooks, tests and inventories;
- ``env.sh``: the same as shell exports (``. .sandbox/default/env.sh``);
- ``pids.json``: the processes this sandbox started, so ``down`` stops only those;
- ``pg/`` and ``emulator/``: the services' own state and logs.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
SANDBOX_ROOT = Path(os.environ.get("DBAUDIT_SANDBOX_ROOT", CHECKOUT / ".sandbox"))
DEFAULT_NAME = "default"
REGION = "us-east-1"


def state_dir(name: str) -> Path:
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid sandbox name {name!r}")
    return SANDBOX_ROOT / name


def env_file(name: str) -> Path:
    return state_dir(name) / "env.json"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def shell_exports(env: dict) -> dict[str, str]:
    """The environment variables that point clients at this sandbox."""
    pg, aws = env["postgres"], env["aws"]
    return {
        "DBAUDIT_SANDBOX_ENV": str(env_file(env["name"])),
        "PGHOST": pg["host"],
        "PGPORT": str(pg["port"]),
        "PGUSER": pg["user"],
        "PGPASSWORD": pg["password"],
        "PGDATABASE": pg["database"],
        "DBAUDIT_PG_LOG": pg["log_file"],
        "AWS_ENDPOINT_URL": aws["endpoint_url"],
        "AWS_ACCESS_KEY_ID": aws["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": aws["secret_access_key"],
        "AWS_DEFAULT_REGION": aws["region"],
        "AWS_REGION": aws["region"],
    }


def publish(env: dict) -> None:
    directory = state_dir(env["name"])
    write_private(directory / "env.json", json.dumps(env, indent=2, sort_keys=True) + "\n")
    lines = [f"export {key}={shlex.quote(value)}" for key, value in shell_exports(env).items()]
    write_private(directory / "env.sh", "\n".join(lines) + "\n")

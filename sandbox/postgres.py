"""A throwaway PostgreSQL 15 server with pgAudit preloaded, configured the way RDS logs.

The server runs as the ``postgres`` OS user when the caller is root (PostgreSQL refuses root),
listens on 127.0.0.1 only, and logs to one file that tests and the log shipper read.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from . import state

PG_MAJOR = "15"
SUPERUSER = "postgres"
# The log_line_prefix RDS and Aurora PostgreSQL 15 use (it cannot be changed there).
RDS_LOG_LINE_PREFIX = "%t:%r:%u@%d:[%p]:"


def bindir() -> Path:
    candidate = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")
    if (candidate / "initdb").exists():
        return candidate
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    raise RuntimeError(f"PostgreSQL {PG_MAJOR} server binaries not found: run `make bootstrap` first")


def pgaudit_installed() -> bool:
    libdir = Path(f"/usr/lib/postgresql/{PG_MAJOR}/lib")
    return (libdir / "pgaudit.so").exists()


def _run_as_owner(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def _hand_to_owner(path: Path) -> None:
    if os.geteuid() != 0:
        return
    owner = pwd.getpwnam(SUPERUSER)
    for root, dirs, files in os.walk(path):
        os.chown(root, owner.pw_uid, owner.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), owner.pw_uid, owner.pw_gid, follow_symlinks=False)


def paths(name: str) -> dict[str, Path]:
    base = state.state_dir(name) / "pg"
    return {
        "base": base,
        "data": base / "data",
        "run": base / "run",
        "log_dir": base / "log",
        "log_file": base / "log" / "postgresql.log",
        "startup_log": base / "startup.log",
        "pwfile": base / "pwfile",
    }


def _initdb(where: dict[str, Path], password: str) -> None:
    for key in ("base", "run", "log_dir"):
        where[key].mkdir(parents=True, exist_ok=True)
    where["pwfile"].write_text(password + "\n", encoding="utf-8")
    where["pwfile"].chmod(0o600)
    _hand_to_owner(where["base"])
    _run_as_owner([
        str(bindir() / "initdb"), "-D", str(where["data"]), "-U", SUPERUSER,
        "--pwfile", str(where["pwfile"]), "--auth-local=scram-sha-256",
        "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
    ])
    where["pwfile"].unlink()


def _settings(where: dict[str, Path], port: int, preload: str = "pgaudit") -> dict[str, str]:
    return {
        "port": str(port),
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{where['run']}'",
        "shared_preload_libraries": f"'{preload}'",
        "log_line_prefix": f"'{RDS_LOG_LINE_PREFIX}'",
        "logging_collector": "on",
        "log_destination": "'stderr'",
        "log_directory": f"'{where['log_dir']}'",
        "log_filename": "'postgresql.log'",
        "log_file_mode": "0644",
        "log_rotation_age": "0",
        "log_rotation_size": "0",
        "log_timezone": "'UTC'",
        "timezone": "'UTC'",
        # A sandbox: durability is not wanted, speed is.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }


def _write_config(where: dict[str, Path], port: int, preload: str = "pgaudit") -> None:
    conf = where["data"] / "postgresql.auto.conf"
    lines = ["# Written by the dbaudit sandbox; ALTER SYSTEM appends below.\n"]
    lines += [f"{key} = {value}\n" for key, value in _settings(where, port, preload).items()]
    existing = conf.read_text(encoding="utf-8") if conf.exists() else ""
    kept = [line for line in existing.splitlines(keepends=True)
            if line.split("=")[0].strip() not in _settings(where, port) and not line.startswith("#")]
    conf.write_text("".join(lines + kept), encoding="utf-8")
    _hand_to_owner(conf)


def postmaster_pid(where: dict[str, Path]) -> int | None:
    try:
        return int((where["data"] / "postmaster.pid").read_text(encoding="ascii").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def start(name: str, previous: dict | None, preload: str = "pgaudit") -> dict:
    """Start (initialising on first use) the sandbox's server; return its env entry. ``preload`` is its
    shared_preload_libraries: a first rollout starts from a server that does not load pgaudit yet."""
    if not pgaudit_installed():
        raise RuntimeError("pgaudit is not installed for PostgreSQL 15: run `make bootstrap` "
                           "(it installs the Debian package postgresql-15-pgaudit)")
    where = paths(name)
    password = (previous or {}).get("password")
    if not (where["data"] / "PG_VERSION").exists() or not password:
        shutil.rmtree(where["base"], ignore_errors=True)
        password = secrets.token_urlsafe(18)
        _initdb(where, password)

    pid = postmaster_pid(where)
    if pid and state.pid_alive(pid):
        # A server from an earlier run that nobody stopped: stop it, it may hold a stale port.
        stop(name, pid)
    (where["data"] / "postmaster.pid").unlink(missing_ok=True)

    port = state.free_port()
    _write_config(where, port, preload)
    _run_as_owner([str(bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(where["data"]),
                   "-l", str(where["startup_log"])])
    deadline = time.monotonic() + 30
    while not where["log_file"].exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return {
        "host": "127.0.0.1",
        "port": port,
        "user": SUPERUSER,
        "password": password,
        "database": "postgres",
        "socket_dir": str(where["run"]),
        "data_dir": str(where["data"]),
        "log_file": str(where["log_file"]),
        "pid": postmaster_pid(where),
        "version": PG_MAJOR,
    }


def stop(name: str, pid: int | None) -> bool:
    """Stop the server this sandbox started (the one whose PID it recorded)."""
    where = paths(name)
    if not pid or not state.pid_alive(pid) or postmaster_pid(where) != pid:
        return False
    try:
        _run_as_owner([str(bindir() / "pg_ctl"), "stop", "-w", "-t", "60", "-m", "fast",
                       "-D", str(where["data"])])
    except subprocess.CalledProcessError:
        os.kill(pid, 15)
    return True

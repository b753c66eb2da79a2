"""The Lambda zips as users get them: built once, before the tarball, shipped in it beside their sha256, laid out as
Lambda needs them (sorted entries, fixed timestamps and modes, no caches, the pinned dependencies but nothing the
runtime provides), the same bytes as a rebuild from the same sources whatever changed that must not matter (source
mtimes, a stray __pycache__, the clock), and deployed by the alerting roles from an installed, read-only copy of the
collection with no route to PyPI and no pip on PATH (the roles never build at run time).

The rebuild is the one real build with pip in the test run (lambdas/build_zips.py, offline from the wheels
bootstrap downloaded); the builder's pure parts are unit-tested in tests/unit/lambdas/test_lambda_zip_build.py.

Read-only: a bind mount made read-only in a mount namespace of the run when we are root (root ignores file
modes), the files' write bits cleared otherwise. "No network" is a PyPI index on a closed loopback port and
`pip`/`pip3` on PATH that record any call and fail; the emulator stays reachable on loopback.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import textwrap
import time
import zipfile

from release_testing import run

from harness import BIN, CHECKOUT, ansible_env

ZIP_DIR = "roles/alerting_common/files/lambda"
WHEELS = CHECKOUT / ".cache" / "lambda-wheels" / "python3.12-x86_64"

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: dbaudit.postgresql.alerting_common
        tasks_from: aws_context
    - ansible.builtin.include_role:
        name: dbaudit.postgresql.alerting_common
        tasks_from: function
      vars:
        dbaudit_alerting_function_name: "{{ prefix }}-{{ item }}"
        dbaudit_alerting_function_package: "{{ item }}"
        dbaudit_alerting_topic_arn: "arn:aws:sns:{{ dbaudit_alerting_aws_region }}:{{ dbaudit_alerting_account }}:none"
        dbaudit_alerting_log_retention_days: 1
      loop: [audit_alert, das_decrypt]
"""


def can_mount_privately() -> bool:
    """Whether this root may bind-mount in a mount namespace of its own (not in every container)."""
    probe = 'mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp'
    done = subprocess.run(["unshare", "--mount", "sh", "-c", probe], capture_output=True, check=False)
    return done.returncode == 0


def run_read_only(command: list[str], folder, **kwargs) -> subprocess.CompletedProcess:
    """``command`` run with ``folder`` read-only (only for this run: the folder is the session's install)."""
    check = kwargs.pop("check", False)
    if os.geteuid() == 0 and can_mount_privately():
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", str(folder), *command], check=check,
                              **kwargs)
    paths = [folder, *folder.rglob("*")]
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(modes[path] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        return subprocess.run(command, check=check, **kwargs)
    finally:
        for path in reversed(paths):
            path.chmod(stat.S_IMODE(modes[path]))


# Entries each zip must hold: the function's handler, the shared package, and (das_decrypt) its pinned dependency.
EXPECTED_ENTRIES = {
    "audit_alert-python3.12-x86_64.zip": {"audit_alert/handler.py", "dbaudit_alerts/rules.py",
                                          "dbaudit_alerts/sql_tokens.py"},
    "das_decrypt-python3.12-x86_64.zip": {"das_decrypt/handler.py", "dbaudit_alerts/rules.py",
                                          "dbaudit_alerts/sql_tokens.py", "aws_encryption_sdk/__init__.py"},
}


def assert_lambda_layout(name: str, data: bytes) -> None:
    """Sorted entries holding the handler, the shared package and the dependencies; no caches, build inputs or
    packages the runtime provides; every timestamp 1980-01-01 and every mode 0644."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names), name
    assert EXPECTED_ENTRIES[name] <= set(names), name
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.endswith("requirements.txt")], name
    assert not [n for n in names if n.startswith(("boto3/", "botocore/"))], name
    other = "audit_alert/" if name.startswith("das_decrypt") else "das_decrypt/"
    assert not [n for n in names if n.startswith(other)], name
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}, name
    assert {info.external_attr >> 16 for info in infos} == {0o100644}, name


def test_tarball_ships_deterministic_zips_deployed_offline_from_a_read_only_install(
        sandbox_env, aws_client, unique_name, tmp_path, release_dir, collection_tarball, installed_collections):
    env = ansible_env(sandbox_env, {"ANSIBLE_COLLECTIONS_PATH": str(installed_collections),
                                    "ANSIBLE_CONFIG": str(release_dir / "ansible.cfg")})
    tarball = collection_tarball

    # The tarball holds each zip with the digests of its manifest and SHA256SUMS, and those are the bytes a
    # rebuild from the checkout's sources (offline, from the wheels bootstrap downloaded) gives.
    # Things that must not matter, changed since the shipped zips were built: a source file's mtime, a __pycache__
    # beside the sources, the clock.
    rebuilt = tmp_path / "rebuilt"
    source = CHECKOUT / "lambdas" / "das_decrypt" / "handler.py"
    os.utime(source, (time.time(), time.time()))
    cache = CHECKOUT / "lambdas" / "das_decrypt" / "__pycache__"
    cache.mkdir(exist_ok=True)
    stray = cache / "stray.cpython-311.pyc"
    stray.write_bytes(b"\0")
    try:
        run([sys.executable, str(CHECKOUT / "lambdas" / "build_zips.py"), "--out", str(rebuilt), "--wheel-dir",
             str(WHEELS)], env, tmp_path)
    finally:
        stray.unlink()
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile(f"{ZIP_DIR}/manifest.json"))
        sums = archive.extractfile(f"{ZIP_DIR}/SHA256SUMS").read().decode()
        shipped = {name: archive.extractfile(f"{ZIP_DIR}/{name}").read() for name in manifest}
    assert set(manifest) == {"audit_alert-python3.12-x86_64.zip", "das_decrypt-python3.12-x86_64.zip"}
    assert sums == "".join(f"{manifest[name]['sha256']}  {name}\n" for name in sorted(manifest))
    for name, data in shipped.items():
        digest = hashlib.sha256(data)
        assert manifest[name]["sha256"] == digest.hexdigest(), name
        assert manifest[name]["code_sha256"] == base64.b64encode(digest.digest()).decode(), name
        assert data == (rebuilt / name).read_bytes(), f"{name} differs from a rebuild of the same sources"
        assert_lambda_layout(name, data)

    collection = installed_collections / "ansible_collections" / "dbaudit" / "postgresql"

    shims = tmp_path / "shims"
    shims.mkdir()
    calls = tmp_path / "pip-calls"
    for name in ("pip", "pip3"):
        shim = shims / name
        shim.write_text(f'#!/bin/sh\necho "$0 $*" >> {calls}\nexit 1\n', encoding="utf-8")
        shim.chmod(0o755)
    offline = dict(env, PATH=f"{shims}{os.pathsep}{env['PATH']}", PIP_INDEX_URL="http://127.0.0.1:9/simple",
                   PIP_FIND_LINKS="", PIP_NO_CACHE_DIR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"))
    playbook = tmp_path / "deploy.yml"
    playbook.write_text(textwrap.dedent(PLAY), encoding="utf-8")
    prefix = unique_name("zip")
    proc = run_read_only([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook),
                          "-e", f"prefix={prefix}"], collection,
                         capture_output=True, text=True, cwd=tmp_path, env=offline, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert not calls.exists(), calls.read_text()
    assert not (collection / "build").exists()

    lambda_client = aws_client("lambda")
    for package in ("audit_alert", "das_decrypt"):
        deployed = lambda_client.get_function(FunctionName=f"{prefix}-{package}")["Configuration"]
        assert deployed["CodeSha256"] == manifest[f"{package}-python3.12-x86_64.zip"]["code_sha256"], package

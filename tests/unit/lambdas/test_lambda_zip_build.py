"""The deployment zip builder: same inputs, same bytes; layout and metadata Lambda needs.

Runs offline: the dependency is a tiny wheel the test writes itself, installed by the real pip
with the same target-platform options the build uses (``download=False`` skips only the
download). The real build with PyPI wheels is ``python lambdas/build_zips.py``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("build_lambdas", CHECKOUT / "lambdas" / "build_zips.py")
build_lambdas = importlib.util.module_from_spec(_spec)
sys.modules["build_lambdas"] = build_lambdas  # dataclasses look their module up there
_spec.loader.exec_module(build_lambdas)


def write_wheel(directory: Path, name: str, version: str = "1.0") -> Path:
    """A minimal pure-Python wheel (``py3-none-any``) with one module."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record_lines = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record_lines.append(f"{path},sha256={digest},{len(data)}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


@pytest.fixture
def local_wheels(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    write_wheel(wheels, "tinydep")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep==1.0\n", encoding="utf-8")
    return wheels, requirements


def build(out: Path, wheels: Path, requirements: Path):
    return build_lambdas.build_function("das_decrypt", "python3.12", "arm64", out, wheel_dir=wheels,
                                        download=False, requirements=requirements)


def test_same_inputs_give_the_same_bytes(tmp_path, local_wheels):
    wheels, requirements = local_wheels
    first = build(tmp_path / "one", wheels, requirements)
    # Things that must not matter: source file mtimes, a __pycache__ beside the sources, the clock.
    source = CHECKOUT / "lambdas" / "das_decrypt" / "handler.py"
    os.utime(source, (time.time(), time.time()))
    cache = CHECKOUT / "lambdas" / "das_decrypt" / "__pycache__"
    cache.mkdir(exist_ok=True)
    stray = cache / "stray.cpython-311.pyc"
    stray.write_bytes(b"\0")
    try:
        time.sleep(1.1)
        second = build(tmp_path / "two", wheels, requirements)
    finally:
        stray.unlink()
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.code_sha256 == second.code_sha256
    assert first.code_sha256 == base64.b64encode(hashlib.sha256(first.path.read_bytes()).digest()).decode()
    assert first.path.name == "das_decrypt-python3.12-arm64.zip"


def test_zip_layout_and_metadata(tmp_path, local_wheels):
    wheels, requirements = local_wheels
    result = build(tmp_path / "out", wheels, requirements)
    with zipfile.ZipFile(result.path) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {"das_decrypt/handler.py", "dbaudit_alerts/rules.py", "dbaudit_alerts/sql_tokens.py",
            "tinydep/__init__.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.endswith("requirements.txt")]
    assert not [n for n in names if n.startswith(("boto3/", "botocore/", "audit_alert/"))]
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_a_function_without_requirements_has_only_its_code(tmp_path):
    result = build_lambdas.build_function("audit_alert", "python3.12", "x86_64", tmp_path, download=False,
                                          requirements=tmp_path / "none.txt")
    with zipfile.ZipFile(result.path) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert tops == {"audit_alert", "dbaudit_alerts"}


def test_runtime_provided_packages_are_refused(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    write_wheel(wheels, "botocore", "1.0")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("botocore==1.0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="Lambda runtime provides them"):
        build(tmp_path / "out", wheels, requirements)


def test_target_platform_tags():
    assert build_lambdas.platform_tags("arm64")[-1] == "manylinux2014_aarch64"
    assert all(tag.endswith("_x86_64") for tag in build_lambdas.platform_tags("x86_64"))


def test_pinned_wheels_present_decides_whether_to_download(tmp_path, local_wheels):
    wheels, requirements = local_wheels
    assert build_lambdas.pinned_wheels_present(requirements, wheels)
    requirements.write_text("# pinned\ntinydep==1.0  # comment\nOther.Dep==2.0\n", encoding="utf-8")
    assert not build_lambdas.pinned_wheels_present(requirements, wheels)
    write_wheel(wheels, "other_dep", "2.0")
    assert build_lambdas.pinned_wheels_present(requirements, wheels)
    requirements.write_text("tinydep>=1.0\n", encoding="utf-8")  # not pinned: pip must resolve it
    assert not build_lambdas.pinned_wheels_present(requirements, wheels)


def test_manifest_and_sha256sums_describe_the_zips(tmp_path):
    out = tmp_path / "out"
    result = build_lambdas.build_function("audit_alert", "python3.12", "x86_64", out, download=False,
                                          requirements=tmp_path / "none.txt")
    build_lambdas.write_manifest([result], out)
    digest = hashlib.sha256(result.path.read_bytes())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {result.path.name: {"function": "audit_alert", "handler": "audit_alert.handler.handler",
                                           "code_sha256": base64.b64encode(digest.digest()).decode(),
                                           "sha256": digest.hexdigest(), "size": result.path.stat().st_size}}
    assert (out / "SHA256SUMS").read_text(encoding="utf-8") == f"{digest.hexdigest()}  {result.path.name}\n"


def test_the_default_output_is_the_role_that_deploys_the_zips():
    assert build_lambdas.SHIPPED_ZIPS == CHECKOUT / "roles" / "alerting_common" / "files" / "lambda"

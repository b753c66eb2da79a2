"""The deployment zip builder's parts that need no pip: which wheels are present, the target platforms, the
manifest and SHA256SUMS, a function without requirements, where the zips go. Nothing here runs pip: the real
build (pip installing the pinned wheels) is tests/integration/release/test_shipped_lambda_zips.py, which rebuilds
the shipped zips and checks their bytes, layout and metadata, and test_lambda_zip_build_refusals.py beside it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile

import pytest

from lambda_build import CHECKOUT, build_lambdas, write_wheel


@pytest.fixture
def local_wheels(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    write_wheel(wheels, "tinydep")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinydep==1.0\n", encoding="utf-8")
    return wheels, requirements


def test_a_function_without_requirements_has_only_its_code(tmp_path):
    result = build_lambdas.build_function("audit_alert", "python3.12", "arm64", tmp_path, download=False,
                                          requirements=tmp_path / "none.txt")
    assert result.path.name == "audit_alert-python3.12-arm64.zip"
    assert result.code_sha256 == base64.b64encode(hashlib.sha256(result.path.read_bytes()).digest()).decode()
    with zipfile.ZipFile(result.path) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert tops == {"audit_alert", "dbaudit_alerts"}


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

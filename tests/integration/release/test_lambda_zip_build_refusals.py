"""The zip builder refuses a package the Lambda runtime provides (boto3, botocore...): pip really installs it
(offline, from a tiny wheel the test writes, with the target-platform options the build uses), and the build stops
before writing a zip. It runs pip, so it is here, beside the real build of the shipped zips
(test_shipped_lambda_zips.py), and not in the unit run."""

from __future__ import annotations

import pytest

from lambda_build import build_lambdas, write_wheel


def test_runtime_provided_packages_are_refused(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    write_wheel(wheels, "botocore", "1.0")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("botocore==1.0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="Lambda runtime provides them"):
        build_lambdas.build_function("das_decrypt", "python3.12", "arm64", tmp_path / "out", wheel_dir=wheels,
                                     download=False, requirements=requirements)
    assert not (tmp_path / "out" / "das_decrypt-python3.12-arm64.zip").exists()

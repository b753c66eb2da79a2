"""The built das_decrypt zip, run by CPython 3.12 (the Lambda runtime's version) on a real record.

Takes the x86_64 zip the collection ships (built once by ``python lambdas/build_zips.py``: bootstrap,
``make lambda-zips``; tests/integration/release/test_shipped_lambda_zips.py proves it is the bytes a rebuild
gives), skipped if it has not been built, or if this machine is not x86_64 or has no python3.12;
unpacks it, and runs ``das_decrypt.handler.handler`` in a python3.12 process
whose path holds only the zip and boto3/botocore (what the runtime provides). The record is
made with the emulator's KMS and the Encryption SDK; the events must arrive in S3 through the
emulator's Firehose. moto cannot run Lambda functions, hence the subprocess.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from harness import sandbox_exports

from sandbox import das_records

CHECKOUT = Path(__file__).resolve().parents[3]
ZIP = CHECKOUT / "roles" / "alerting_common" / "files" / "lambda" / "das_decrypt-python3.12-x86_64.zip"
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")

RUNNER = """
import json, sys
from das_decrypt.handler import handler
print(json.dumps(handler(json.load(open(sys.argv[1])), None)))
"""


def python312() -> str | None:
    found = shutil.which("python3.12")
    if not found:
        return None
    probe = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"], capture_output=True,
                           text=True, check=False, env={**os.environ, "PYENV_VERSION": "3.12"})
    return found if probe.stdout.strip() == "True" else None


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the x86_64 zip runs only on x86_64")
def test_zip_decrypts_and_delivers_on_python312(sandbox_env, aws_client, kms_key, firehose_to_s3, unique_name,
                                                tmp_path):
    interpreter = python312()
    if interpreter is None or not ZIP.is_file():
        pytest.skip("needs python3.12 and the zips of `python lambdas/build_zips.py` (make lambda-zips)")
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(ZIP) as archive:
        archive.extractall(unpacked)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site_packages = Path(__import__("boto3").__file__).parent.parent
    for name in RUNTIME_PACKAGES:
        (runtime / name).symlink_to(site_packages / name)

    resource_id = "cluster-" + unique_name("").upper()
    stream, delivered = firehose_to_s3
    key = das_records.new_data_key(aws_client("kms"), kms_key, resource_id)
    records = [das_records.das_record([das_records.activity_event(commandText=f"{resource_id} {n}"),
                                       das_records.heartbeat_event()], key, signed=n == 0) for n in range(2)]
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(das_records.kinesis_event(records, resource_id)), encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "PYENV_VERSION": "3.12", "PYTHONPATH": f"{unpacked}{os.pathsep}{runtime}",
           "PYTHONNOUSERSITE": "1", "FIREHOSE_STREAM_NAME": stream, **sandbox_exports(sandbox_env)}
    proc = subprocess.run([interpreter, "-c", RUNNER, str(event_file)], capture_output=True,
                          text=True, check=False, env=env, cwd=tmp_path, timeout=120)

    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"batchItemFailures": []}
    assert sorted(e["commandText"] for e in delivered()) == [f"{resource_id} 0", f"{resource_id} 1"]

"""The emulator's control API and throttling fault switch, seen through boto3 and plain HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.config import Config
from sandbox.emulator_control import control
from emulator_testing import error_of, wait_until

CHECKOUT = Path(__file__).resolve().parents[3]
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


def client(sandbox_env, service, config=None):
    import boto3

    aws = sandbox_env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"],
                        config=config)


def test_config_reads_back_and_refuses_bad_values(endpoint, emulator_config):
    current = control(endpoint)
    assert set(current) == {"throttle_rate", "throttle_services", "delays", "seed", "stats", "maintenance_window"}
    assert current["maintenance_window"] == "immediate"
    assert set(current["delays"]) == {"activity_stream", "reboot", "parameter_apply"}

    changed = emulator_config({"delays": {"reboot": 0.5}, "throttle_services": ["rds", "kinesis"], "seed": 3})
    assert changed["delays"]["reboot"] == 0.5 and changed["delays"]["activity_stream"] == current["delays"][
        "activity_stream"]
    assert (changed["throttle_services"], changed["seed"]) == (["rds", "kinesis"], 3)

    for bad in ({"throttle_rate": 1.5}, {"throttle_rate": "high"}, {"delays": {"coffee": 1}}, {"nonsense": 1},
                {"throttle_services": "rds"}, {"seed": 1.5}, {"maintenance_window": "sometimes"}):
        request = urllib.request.Request(f"{endpoint}/dbaudit-api/config",  # noqa: S310 - loopback emulator
                                         data=json.dumps(bad).encode(), method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback emulator
        assert refused.value.code == 400 and "error" in json.load(refused.value)
    assert control(endpoint)["delays"]["reboot"] == 0.5


def test_throttled_calls_carry_each_protocols_throttling_code(sandbox_env, endpoint, emulator_config):
    emulator_config({"throttle_rate": 1.0, "throttle_services": "all"})
    rds, kinesis, logs = (client(sandbox_env, service, NO_RETRIES) for service in ("rds", "kinesis", "logs"))
    assert error_of(rds.describe_db_clusters)[:2] == ("Throttling", 400)
    assert error_of(kinesis.list_streams)[:2] == ("ThrottlingException", 400)
    assert error_of(logs.describe_log_groups)[:2] == ("ThrottlingException", 400)
    # Neither the control API nor moto's own API is throttled.
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as response:  # noqa: S310
        assert response.status == 200
    assert control(endpoint)["throttle_rate"] == 1.0


def test_only_the_named_services_are_throttled(sandbox_env, emulator_config):
    emulator_config({"throttle_rate": 1.0, "throttle_services": ["kinesis"]})
    client(sandbox_env, "rds", NO_RETRIES).describe_db_clusters()
    assert error_of(client(sandbox_env, "kinesis", NO_RETRIES).list_streams)[0] == "ThrottlingException"


def test_botocore_retries_converge_under_thirty_percent_throttling(sandbox_env, endpoint, emulator_config,
                                                                   make_cluster_group):
    group = make_cluster_group()
    emulator_config({"throttle_rate": 0.3, "throttle_services": ["rds"], "seed": 11, "reset_stats": True})
    rds = client(sandbox_env, "rds", Config(retries={"max_attempts": 10, "mode": "standard"}))
    for _unused in range(15):
        rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, MaxRecords=20)
    stats = control(endpoint)["stats"]
    assert stats["throttled"] > 0 and stats["requests"] >= 15 + stats["throttled"]


def test_configuration_from_the_environment_at_start(tmp_path):
    from sandbox import state

    port = state.free_port()
    settings = {"throttle_rate": 0.25, "throttle_services": ["rds"], "delays": {"reboot": 3}}
    env = dict(os.environ, PYTHONPATH=str(CHECKOUT), DBAUDIT_EMULATOR_CONFIG=json.dumps(settings))
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(proxy, None)
    log = (tmp_path / "emulator.log").open("wb")
    child = subprocess.Popen([sys.executable, "-m", "sandbox.emulator", "--port", str(port)], cwd=CHECKOUT, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        def answering():
            try:
                return control(endpoint)
            except OSError:
                assert child.poll() is None, (tmp_path / "emulator.log").read_text()
                return None

        started = wait_until(answering, timeout=60, interval=0.3)
        assert (started["throttle_rate"], started["throttle_services"], started["delays"]["reboot"]) == (
            0.25, ["rds"], 3.0)
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()


def test_calls_are_counted_per_operation_reads_apart_from_writes(sandbox_env, endpoint, emulator_config, unique_name):
    emulator_config({"reset_stats": True})
    rds, logs, kinesis = (client(sandbox_env, name) for name in ("rds", "logs", "kinesis"))
    rds.describe_db_clusters()
    rds.describe_db_clusters()
    logs.create_log_group(logGroupName=unique_name("/dbaudit/count-"))
    kinesis.list_streams()
    stats = control(endpoint)["stats"]
    # The sandbox pipeline polls the emulator all the while: its calls are not counted.
    assert stats["operations"] == {"kinesis:ListStreams": 1, "logs:CreateLogGroup": 1, "rds:DescribeDBClusters": 2}
    assert (stats["reads"], stats["writes"]) == (3, 1)

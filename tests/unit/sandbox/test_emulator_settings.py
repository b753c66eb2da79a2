"""The emulator's knobs (delays, throttling) and its throttling responses, without a server."""

from __future__ import annotations

import pytest
from botocore.parsers import create_parser
from moto.rds.exceptions import RDSClientError

from sandbox.emulator import pagination, throttling
from sandbox.emulator.settings import DEFAULT_DELAYS, ENV_VAR, ConfigError, Settings
from sandbox.emulator.transitions import Timed


def test_defaults_are_small_and_nothing_is_throttled():
    settings = Settings()
    snapshot = settings.snapshot()
    assert snapshot["throttle_rate"] == 0 and snapshot["throttle_services"] == "all"
    assert snapshot["delays"] == DEFAULT_DELAYS and max(DEFAULT_DELAYS.values()) <= 2
    assert not any(settings.should_throttle("rds") for _unused in range(50))
    stats = settings.snapshot()["stats"]
    assert (stats["requests"], stats["throttled"]) == (50, 0)
    # The per-operation counts (call_counter) come with the stats; should_throttle alone counts no operation.
    assert set(stats) == {"requests", "throttled", "operations", "reads", "writes"}


def test_update_merges_and_a_bad_value_changes_nothing():
    settings = Settings()
    settings.update({"delays": {"reboot": 0.2}, "throttle_rate": 0.5, "throttle_services": ["RDS"]})
    with pytest.raises(ConfigError, match="activity_stream"):
        settings.update({"throttle_rate": 0.9, "delays": {"activity_streams": 1}})
    snapshot = settings.snapshot()
    assert snapshot["throttle_rate"] == 0.5 and snapshot["throttle_services"] == ["rds"]
    assert snapshot["delays"] == {**DEFAULT_DELAYS, "reboot": 0.2}
    assert settings.update({"throttle_services": "all"})["throttle_services"] == "all"


@pytest.mark.parametrize("bad", [[], {"throttle_rate": -0.1}, {"throttle_rate": True}, {"delays": {"reboot": -1}},
                                 {"throttle_services": [""]}, {"seed": "x"}, {"unknown": 1}])
def test_bad_configurations_are_refused(bad):
    with pytest.raises(ConfigError):
        Settings().update(bad)


def test_maintenance_window_is_immediate_unless_held():
    settings = Settings()
    assert settings.snapshot()["maintenance_window"] == "immediate" and not settings.holds_for_window()
    assert settings.update({"maintenance_window": "hold"})["maintenance_window"] == "hold"
    assert settings.holds_for_window()
    with pytest.raises(ConfigError, match="maintenance_window"):
        settings.update({"maintenance_window": "later", "throttle_rate": 0.5})
    assert settings.holds_for_window() and settings.snapshot()["throttle_rate"] == 0


def test_seeded_throttling_is_repeatable_and_limited_to_the_named_services():
    def run(settings):
        return [settings.should_throttle("rds") for _unused in range(200)]

    first, second = Settings(), Settings()
    for settings in (first, second):
        settings.update({"throttle_rate": 0.3, "seed": 42, "throttle_services": ["rds"]})
    decisions = run(first)
    assert decisions == run(second)
    assert 30 < sum(decisions) < 90
    assert not any(first.should_throttle("kinesis") for _unused in range(50))


def test_environment_variable_configures_at_start():
    settings = Settings()
    settings.load_environment({ENV_VAR: '{"throttle_rate": 0.3, "delays": {"reboot": 4}}'})
    assert settings.snapshot()["throttle_rate"] == 0.3 and settings.delay("reboot") == 4
    settings.load_environment({})
    with pytest.raises(ConfigError, match=ENV_VAR):
        settings.load_environment({ENV_VAR: "{not json"})


@pytest.mark.parametrize(("environ", "service", "protocol", "code", "status"), [
    ({"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8"}, "rds", "query", "Throttling", 400),
    ({"HTTP_X_AMZ_TARGET": "Kinesis_20131202.ListStreams", "CONTENT_TYPE": "application/x-amz-json-1.1"},
     "kinesis", "json", "ThrottlingException", 400),
    ({"HTTP_X_AMZ_TARGET": "AmazonSQS.ListQueues", "CONTENT_TYPE": "application/x-amz-json-1.0"},
     "sqs", "json", "Throttling", 400),
    ({"CONTENT_TYPE": "application/json"}, "lambda", "rest-json", "ThrottlingException", 400),
    ({"CONTENT_TYPE": ""}, "s3", "rest-xml", "SlowDown", 503),
    ({"CONTENT_TYPE": "application/x-www-form-urlencoded"}, "ec2", "ec2", "RequestLimitExceeded", 503),
])
def test_throttling_responses_parse_in_botocore_as_throttling(environ, service, protocol, code, status):
    detected = throttling.protocol(environ, service)
    assert detected == protocol
    http_status, headers, body = throttling.response(detected, service)
    assert http_status == status
    parser = create_parser(protocol)
    parsed = parser.parse({"status_code": http_status, "headers": dict(headers), "body": body}, None)
    assert parsed["Error"]["Code"] == code


def test_signing_service_comes_from_the_sigv4_scope():
    header = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/rds/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=abc")
    assert throttling.signing_service({"HTTP_AUTHORIZATION": header}) == "rds"
    presigned = "X-Amz-Credential=testing%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=x"
    assert throttling.signing_service({"QUERY_STRING": presigned}) == "s3"
    assert throttling.signing_service({}) is None


def test_pages_of_twenty_to_a_hundred():
    items = list(range(45))
    first, marker = pagination.page(items, 20)
    second, marker2 = pagination.page(items, 20, marker)
    third, marker3 = pagination.page(items, 20, marker2)
    assert first + second + third == items and marker3 is None
    assert pagination.page(items) == (items, None)
    for size in (19, 101):
        with pytest.raises(RDSClientError, match="MaxRecords"):
            pagination.page(items, size)
    with pytest.raises(RDSClientError, match="marker"):
        pagination.page(items, 20, "not-a-marker")


def test_timed_states_turn_over_once_their_time_has_come():
    timed = Timed(state="starting", then="started", until=100.0)
    assert timed.current(at=99.9) == "starting" and timed.in_transition(at=99.9)
    assert timed.current(at=100.0) == "started" and not timed.in_transition(at=100.0)
    assert Timed.settled("stopped").current() == "stopped"
    assert Timed.after("rebooting", "available", 60).current() == "rebooting"

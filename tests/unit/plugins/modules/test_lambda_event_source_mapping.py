"""Pure helpers of lambda_event_source_mapping's list form: what a source's ARN is refused for, what each source's
mapping needs (create, update, delete or nothing), and the refusal that names the sources."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import lambda_event_source_mapping as esm  # noqa: E402

STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ABC"
PARAMS = {"state": "present", "starting_position": "TRIM_HORIZON", "enabled": True, "batch_size": 100,
          "maximum_batching_window": 1, "parallelization_factor": 1, "bisect_batch_on_function_error": True,
          "maximum_retry_attempts": 10, "maximum_record_age": -1, "on_failure_destination": "",
          "function_response_types": ["ReportBatchItemFailures"]}


@pytest.mark.parametrize("arn, refused", [
    (STREAM, False),
    ("arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s.1_x-y", False),
    ("arn:aws:sqs:eu-west-1:123456789012:queue", True),
    ("arn:aws:kinesis:eu-west-1:123456789012:nostream", True),
    ("arn:aws:kinesis:eu-west-1:1234:stream/s", True),
    ("", True),
])
def test_source_problem(arn, refused):
    assert bool(esm.source_problem(arn)) is refused


def described(**fields):
    mapping = {"UUID": "u1", "EventSourceArn": STREAM, "StartingPosition": "TRIM_HORIZON", "State": "Enabled",
               "BatchSize": 100, "MaximumBatchingWindowInSeconds": 1, "ParallelizationFactor": 1,
               "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 10, "MaximumRecordAgeInSeconds": -1,
               "DestinationConfig": {"OnFailure": {}}, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    mapping.update(fields)
    return mapping


def test_planned_create_update_none_and_delete():
    wanted = esm.wanted_settings(PARAMS)
    entry, before = esm.planned(STREAM, None, wanted, PARAMS)
    assert (entry["action"], entry["changed"], before) == ("create", True, {})
    assert entry["event_source_mapping"]["starting_position"] == "TRIM_HORIZON"

    entry = esm.planned(STREAM, described(), wanted, PARAMS)[0]
    assert (entry["action"], entry["changed"], entry["changed_settings"]) == ("none", False, [])

    entry, before = esm.planned(STREAM, described(BatchSize=7, State="Disabled"), wanted, PARAMS)
    assert (entry["action"], sorted(entry["changed_settings"])) == ("update", ["batch_size", "enabled"])
    assert (before["batch_size"], entry["event_source_mapping"]["batch_size"]) == (7, 100)

    absent = dict(PARAMS, state="absent")
    assert esm.planned(STREAM, described(), wanted, absent)[0]["action"] == "delete"
    assert esm.planned(STREAM, None, wanted, absent)[0]["action"] == "none"


def test_refusal_names_the_sources_or_all_of_them():
    esm.refuse_sources("f", [STREAM], [], {})  # nothing wrong: no refusal
    with pytest.raises(Refusal) as refused:
        esm.refuse_sources("f", [STREAM, "x"], [], {"x": "is not a Kinesis data stream ARN"})
    assert refused.value.details["refused_sources"] == ["x"]
    assert "x cannot be mapped" in refused.value.message and "nothing was changed" in refused.value.message
    with pytest.raises(Refusal) as refused:
        esm.refuse_sources("f", [STREAM, "y"], ["batch_size=0 is outside 1..10000"], {})
    assert "all 2 sources" in refused.value.message and refused.value.reasons == ["batch_size=0 is outside 1..10000"]

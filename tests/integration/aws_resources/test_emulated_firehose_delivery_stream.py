"""dbaudit.postgresql.firehose_delivery_stream through ansible-playbook against the emulator.

Each step reads the stream back with boto3. The emulator (moto) does not check that the bucket,
roles, key or function exist, never pulls records from a Kinesis source and ignores GZIP when it
writes objects: these tests check the configuration Firehose stores, not delivery.
"""

from __future__ import annotations

import pytest

ACCOUNT = "123456789012"  # the emulator's account


def arns(region: str, suffix: str) -> dict:
    return {
        "bucket_arn": f"arn:aws:s3:::audit-{suffix}",
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/fh-delivery-{suffix}",
        "source_role_arn": f"arn:aws:iam::{ACCOUNT}:role/fh-source-{suffix}",
        "kms_key_arn": f"arn:aws:kms:{region}:{ACCOUNT}:key/11111111-2222-3333-4444-{suffix[:12]:0>12}",
        "function_arn": f"arn:aws:lambda:{region}:{ACCOUNT}:function:decrypt-{suffix}",
    }


MINIMAL = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: stream
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        s3_destination:
          bucket_arn: "{{ bucket_arn }}"
          role_arn: "{{ role_arn }}"
          compression: GZIP
        tags:
          purpose: database-audit
      diff: true
    - name: stream again
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        s3_destination:
          bucket_arn: "{{ bucket_arn }}"
          role_arn: "{{ role_arn }}"
          compression: GZIP
        tags:
          purpose: database-audit
    - name: stream again in check mode
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        s3_destination:
          bucket_arn: "{{ bucket_arn }}"
          role_arn: "{{ role_arn }}"
          compression: GZIP
        tags:
          purpose: database-audit
      check_mode: true
"""

FULL = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: stream
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        s3_destination:
          bucket_arn: "{{ bucket_arn }}"
          role_arn: "{{ role_arn }}"
          prefix: "activity/!{timestamp:yyyy/MM/dd}/"
          error_output_prefix: "errors/!{firehose:error-output-type}/"
          buffering_size: 64
          buffering_interval: 60
          compression: GZIP
          kms_key_arn: "{{ kms_key_arn }}"
        lambda_processor:
          function_arn: "{{ function_arn }}"
          buffer_size: 2
          number_of_retries: 5
        tags:
          purpose: database-audit
          owner: dba
      diff: true
    - name: stream again
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        s3_destination:
          bucket_arn: "{{ bucket_arn }}"
          role_arn: "{{ role_arn }}"
          prefix: "activity/!{timestamp:yyyy/MM/dd}/"
          error_output_prefix: "errors/!{firehose:error-output-type}/"
          buffering_size: 64
          buffering_interval: 60
          compression: GZIP
          kms_key_arn: "{{ kms_key_arn }}"
        lambda_processor:
          function_arn: "{{ function_arn }}"
          buffer_size: 2.0
          number_of_retries: 5
        tags:
          purpose: database-audit
          owner: dba
"""

ABSENT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: stream
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        state: absent
      diff: true
    - name: stream again
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        state: absent
"""


def describe(firehose, name: str) -> dict | None:
    try:
        return firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    except firehose.exceptions.ResourceNotFoundException:
        return None


def extended_s3(description: dict) -> dict:
    return description["Destinations"][0]["ExtendedS3DestinationDescription"]


def processor_parameters(description: dict) -> dict:
    processing = extended_s3(description).get("ProcessingConfiguration") or {}
    if not processing.get("Enabled"):
        return {}
    return {p["ParameterName"]: p["ParameterValue"] for p in processing["Processors"][0]["Parameters"]}


def tags_of(firehose, name: str) -> dict:
    return {t["Key"]: t["Value"] for t in firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"]}


@pytest.fixture
def firehose(aws_client):
    return aws_client("firehose")


@pytest.fixture
def stream_vars(sandbox_env, unique_name, firehose):
    suffix = unique_name("")
    names = {"name": f"das-{suffix}", **arns(sandbox_env["aws"]["region"], suffix)}
    yield names
    if describe(firehose, names["name"]):
        firehose.delete_delivery_stream(DeliveryStreamName=names["name"])


def test_directput_stream_create_update_delete(playbook, firehose, stream_vars):
    name = stream_vars["name"]

    # Check mode on a fresh name: reported as a create, nothing created.
    run = playbook(MINIMAL, extra_vars=stream_vars, check=True)
    assert run.rc == 0, run.explain()
    assert run.result("stream")["changed"] is True
    assert describe(firehose, name) is None

    # Create, then the same task twice more (real and check mode): no change.
    run = playbook(MINIMAL, extra_vars=stream_vars)
    assert run.rc == 0, run.explain()
    created = run.result("stream")
    assert created["changed"] is True
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["s3_destination"]["compression"] == "GZIP"
    assert run.result("stream again")["changed"] is False
    assert run.result("stream again in check mode")["changed"] is False
    assert created["delivery_stream"]["delivery_stream_status"] == "ACTIVE"
    assert created["delivery_stream"]["delivery_stream_arn"].endswith(f":deliverystream/{name}")
    description = describe(firehose, name)
    assert description["DeliveryStreamType"] == "DirectPut"
    assert extended_s3(description)["BucketARN"] == stream_vars["bucket_arn"]
    assert extended_s3(description)["RoleARN"] == stream_vars["role_arn"]
    assert extended_s3(description)["CompressionFormat"] == "GZIP"
    assert extended_s3(description)["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert processor_parameters(description) == {}
    assert tags_of(firehose, name) == {"purpose": "database-audit"}
    version = description["VersionId"]

    # An update in check mode: reported, nothing changed.
    run = playbook(FULL, extra_vars=stream_vars, check=True)
    assert run.rc == 0, run.explain()
    assert run.result("stream")["changed"] is True
    assert describe(firehose, name)["VersionId"] == version
    assert tags_of(firehose, name) == {"purpose": "database-audit"}

    # The update for real, in place (same stream, next version), then idempotent.
    run = playbook(FULL, extra_vars=stream_vars)
    assert run.rc == 0, run.explain()
    updated = run.result("stream")
    assert updated["changed"] is True
    assert updated["updated"] == [
        "s3_destination.buffering_interval", "s3_destination.buffering_size", "s3_destination.error_output_prefix",
        "s3_destination.kms_key_arn", "s3_destination.prefix", "lambda_processor", "tags"]
    assert updated["diff"]["before"]["s3_destination"]["buffering_size"] == 5
    assert updated["diff"]["after"]["s3_destination"]["buffering_size"] == 64
    assert run.result("stream again")["changed"] is False
    description = describe(firehose, name)
    assert int(description["VersionId"]) == int(version) + 1
    s3 = extended_s3(description)
    assert s3["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 60}
    assert s3["Prefix"] == "activity/!{timestamp:yyyy/MM/dd}/"
    assert s3["ErrorOutputPrefix"] == "errors/!{firehose:error-output-type}/"
    assert s3["EncryptionConfiguration"] == {"KMSEncryptionConfig": {"AWSKMSKeyARN": stream_vars["kms_key_arn"]}}
    assert processor_parameters(description) == {
        "LambdaArn": stream_vars["function_arn"], "RoleArn": stream_vars["role_arn"], "BufferSizeInMBs": "2",
        "BufferIntervalInSeconds": "60", "NumberOfRetries": "5"}
    assert tags_of(firehose, name) == {"purpose": "database-audit", "owner": "dba"}

    # Back to the minimal options: the processor, key and prefixes are turned off, the extra tag purged.
    run = playbook(MINIMAL, extra_vars=stream_vars)
    assert run.rc == 0, run.explain()
    assert run.result("stream")["changed"] is True
    assert run.result("stream again")["changed"] is False
    s3 = extended_s3(describe(firehose, name))
    assert processor_parameters(describe(firehose, name)) == {}
    assert s3["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert (s3.get("Prefix") or "", s3.get("ErrorOutputPrefix") or "") == ("", "")
    assert tags_of(firehose, name) == {"purpose": "database-audit"}

    # Delete: check mode leaves it, then gone, then nothing to do.
    run = playbook(ABSENT, extra_vars=stream_vars, check=True)
    assert run.rc == 0, run.explain()
    assert run.result("stream")["changed"] is True
    assert describe(firehose, name) is not None
    run = playbook(ABSENT, extra_vars=stream_vars)
    assert run.rc == 0, run.explain()
    assert run.result("stream")["changed"] is True
    assert run.result("stream")["diff"]["after"] == {}
    assert run.result("stream again")["changed"] is False
    assert describe(firehose, name) is None


KINESIS_SOURCE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: stream
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}"
        kinesis_source:
          stream_arn: "{{ source_stream_arn }}"
          role_arn: "{{ source_role_arn }}"
        s3_destination:
          bucket_arn: "{{ bucket_arn }}"
          role_arn: "{{ role_arn }}"
        lambda_processor:
          function_arn: "{{ function_arn }}"
"""


def test_kinesis_source_is_kept_and_a_source_change_is_refused(playbook, firehose, aws_client, stream_vars):
    """The emulator never reads from the Kinesis stream; the stored source is what is checked."""
    kinesis = aws_client("kinesis")
    sources = []
    for which in ("a", "b"):
        stream_name = f"aws-rds-das-{stream_vars['name']}-{which}"
        kinesis.create_stream(StreamName=stream_name, ShardCount=1)
        sources.append(kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]["StreamARN"])
    try:
        run = playbook(KINESIS_SOURCE, extra_vars={**stream_vars, "source_stream_arn": sources[0]})
        assert run.rc == 0, run.explain()
        assert run.result("stream")["changed"] is True
        run = playbook(KINESIS_SOURCE, extra_vars={**stream_vars, "source_stream_arn": sources[0]})
        assert run.rc == 0, run.explain()
        assert run.result("stream")["changed"] is False
        description = describe(firehose, stream_vars["name"])
        assert description["DeliveryStreamType"] == "KinesisStreamAsSource"
        source = description["Source"]["KinesisStreamSourceDescription"]
        assert (source["KinesisStreamARN"], source["RoleARN"]) == (sources[0], stream_vars["source_role_arn"])
        version = description["VersionId"]

        # Another source stream cannot be set in place: refused, in check mode too, and nothing changes.
        for check in (True, False):
            run = playbook(KINESIS_SOURCE, extra_vars={**stream_vars, "source_stream_arn": sources[1]}, check=check)
            assert run.rc != 0
            message = run.result("stream")["msg"]
            assert "cannot be changed in place" in message and "kinesis_source" in message
            assert sources[0] in message and sources[1] in message and "state=absent" in message
        description = describe(firehose, stream_vars["name"])
        assert description["Source"]["KinesisStreamSourceDescription"]["KinesisStreamARN"] == sources[0]
        assert description["VersionId"] == version
    finally:
        for arn in sources:
            kinesis.delete_stream(StreamARN=arn)


BAD_INPUTS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: buffering too big
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}-1"
        s3_destination: {bucket_arn: "{{ bucket_arn }}", role_arn: "{{ role_arn }}", buffering_size: 500}
      ignore_errors: true
    - name: prefix expression without error prefix
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}-2"
        s3_destination: {bucket_arn: "{{ bucket_arn }}", role_arn: "{{ role_arn }}", prefix: "d/!{timestamp:yyyy}/"}
      ignore_errors: true
    - name: bucket name instead of ARN
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}-3"
        s3_destination: {bucket_arn: "audit-bucket", role_arn: "{{ role_arn }}"}
      ignore_errors: true
    - name: no destination
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}-4"
      ignore_errors: true
    - name: unknown compression
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}-5"
        s3_destination: {bucket_arn: "{{ bucket_arn }}", role_arn: "{{ role_arn }}", compression: BZIP2}
      ignore_errors: true
    - name: kinesis source without role
      dbaudit.postgresql.firehose_delivery_stream:
        name: "{{ name }}-6"
        kinesis_source: {stream_arn: "arn:aws:kinesis:us-east-1:123456789012:stream/x"}
        s3_destination: {bucket_arn: "{{ bucket_arn }}", role_arn: "{{ role_arn }}"}
      ignore_errors: true
"""


@pytest.mark.parametrize("task, fragment", [
    ("buffering too big", "s3_destination.buffering_size=500 is out of range: Firehose accepts 1 to 128"),
    ("prefix expression without error prefix", "requires s3_destination.error_output_prefix"),
    ("bucket name instead of ARN", "s3_destination.bucket_arn='audit-bucket' is not an S3 bucket ARN"),
    ("no destination", "state is present but all of the following are missing: s3_destination"),
    ("unknown compression", "value of compression must be one of: UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY"),
    ("kinesis source without role", "missing required arguments: role_arn"),
])
def test_bad_inputs_fail_clearly_and_create_nothing(bad_inputs_run, firehose, task, fragment):
    run = bad_inputs_run
    result = run.result(task)
    assert result.get("failed") is True, result
    assert fragment in result["msg"]
    names = firehose.list_delivery_streams(Limit=100)["DeliveryStreamNames"]
    assert not [n for n in names if n.startswith(run.names["name"])]


@pytest.fixture(scope="module")
def bad_inputs_run(sandbox_env):
    """One playbook for every bad input (each run of ansible-playbook costs seconds)."""
    import uuid

    from harness import run_playbook

    suffix = uuid.uuid4().hex[:10]
    names = {"name": f"bad-{suffix}", **arns(sandbox_env["aws"]["region"], suffix)}
    run = run_playbook(BAD_INPUTS, sandbox_env, extra_vars=names)
    run.names = names
    return run

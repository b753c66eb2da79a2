"""das_alerting and pgaudit_alerting against the sandbox emulator (moto over HTTP), through real
ansible-playbook runs: --check on an account where none of the role's resources exist changes
nothing and fails nowhere; the first converge creates them; the second reports no change; --check
afterwards reports no change; the IAM policies read back are least privilege.

"Fresh account": every resource the role creates is named from a prefix no other test uses, so the
shared sandbox holds none of them; only the prerequisites exist (clusters with started activity
streams and their KMS key, made by the das_alerting molecule scenario's prepare.yml).
"""

from __future__ import annotations

import json
import uuid

import pytest

from alerting_testing import (PREPARE_CLUSTERS, as_list, inline_policy_statements, instance_profiles, role_playbook,
                              write_inventory)
from harness import run_playbook

# Actions for which AWS offers no resource-level permission (Service Authorization Reference: no
# resource type), so a statement may only name them with Resource "*". das_decrypt's event source
# mapping needs DescribeStream, DescribeStreamSummary, GetRecords, GetShardIterator, ListShards and
# SubscribeToShard (all scoped to the stream ARN, as the Lambda developer guide lists them);
# kinesis:ListStreams, the one action of AWSLambdaKinesisExecutionRole without a resource type, is
# not needed and the roles leave it out, so no statement of ours uses "*" at all. The test keeps the
# list so that adding such an action is a deliberate, named exception.
NO_RESOURCE_LEVEL_PERMISSION = frozenset({"kinesis:ListStreams"})


def boto(sandbox_env, service):
    import boto3

    aws = sandbox_env["aws"]
    return boto3.client(service, endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


def account(sandbox_env) -> str:
    return boto(sandbox_env, "sts").get_caller_identity()["Account"]


MISSING_CODES = frozenset({"404", "NoSuchBucket", "NotFound", "NoSuchEntity", "ResourceNotFoundException"})


def exists(call) -> bool:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in MISSING_CODES:
            return False
        raise
    return True


def run_four_times(playbook: str, inventory, sandbox_env, snapshot) -> dict:
    runs = {"check_fresh": run_playbook(playbook, sandbox_env, inventory=inventory, check=True)}
    runs["after_check"] = snapshot()
    runs["first"] = run_playbook(playbook, sandbox_env, inventory=inventory)
    runs["second"] = run_playbook(playbook, sandbox_env, inventory=inventory)
    runs["check_after"] = run_playbook(playbook, sandbox_env, inventory=inventory, check=True)
    return runs


# ---------------------------------------------------------------------------------------------
# das_alerting
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def das(sandbox_env, tmp_path_factory):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    clusters = [f"{prefix}-c1", f"{prefix}-c2"]
    inventory = write_inventory(tmp_path_factory.mktemp("das"), clusters, dbaudit_das_alerting_name=prefix,
                                dbaudit_das_alerting_subscriptions=[{"protocol": "email",
                                                                     "endpoint": "dba@example.com"}],
                                dbaudit_das_alerting_bucket_transition_days=45,
                                dbaudit_das_alerting_bucket_storage_class="deep_archive",
                                dbaudit_das_alerting_bucket_expiration_days=730)
    prepared = run_playbook(PREPARE_CLUSTERS, sandbox_env, inventory=inventory)
    assert prepared.failed(clusters[0]) == 0 and prepared.rc == 0, prepared.explain()
    acct, region = account(sandbox_env), sandbox_env["aws"]["region"]
    names = {
        "prefix": prefix, "clusters": clusters, "account": acct, "region": region,
        "function": f"{prefix}-decrypt", "delivery": f"{prefix}-activity",
        "firehose_role": f"{prefix}-activity-firehose",
        "bucket": f"{prefix}-activity-{acct}-{region}", "queue": f"{prefix}-failed",
        "topic_arn": f"arn:aws:sns:{region}:{acct}:{prefix}-alerts",
    }
    lam, iam, s3, sns, fh = (boto(sandbox_env, s) for s in ("lambda", "iam", "s3", "sns", "firehose"))

    def snapshot():
        return {
            "function": exists(lambda: lam.get_function(FunctionName=names["function"])),
            "function_role": exists(lambda: iam.get_role(RoleName=names["function"])),
            "firehose_role": exists(lambda: iam.get_role(RoleName=names["firehose_role"])),
            "bucket": exists(lambda: s3.head_bucket(Bucket=names["bucket"])),
            "topic": exists(lambda: sns.get_topic_attributes(TopicArn=names["topic_arn"])),
            "delivery": exists(lambda: fh.describe_delivery_stream(DeliveryStreamName=names["delivery"])),
            "mappings": len(lam.list_event_source_mappings(FunctionName=names["function"])["EventSourceMappings"])
            if exists(lambda: lam.get_function(FunctionName=names["function"])) else 0,
        }

    names["inventory"] = inventory
    names["runs"] = run_four_times(role_playbook("das_alerting"), inventory, sandbox_env, snapshot)
    return names


def test_das_check_mode_on_fresh_account_changes_nothing(das):
    run = das["runs"]["check_fresh"]
    assert run.rc == 0 and all(run.failed(host) == 0 for host in das["clusters"]), run.explain()
    assert run.changed(das["clusters"][0]) > 0  # it does say what it would create
    assert not any(das["runs"]["after_check"].values()), das["runs"]["after_check"]


def test_das_converges_then_reports_no_change(das):
    first, second = das["runs"]["first"], das["runs"]["second"]
    assert first.rc == 0, first.explain()
    assert first.changed(das["clusters"][0]) > 0
    assert second.rc == 0, second.explain()
    changed = {host: second.changed(host) for host in das["clusters"]}
    assert changed == {host: 0 for host in das["clusters"]}, [
        t["task"]["name"] for t in second.tasks() if any(r.get("changed") for r in t["hosts"].values())]


def test_das_check_mode_after_converge_reports_no_change(das):
    run = das["runs"]["check_after"]
    assert run.rc == 0, run.explain()
    assert {host: run.changed(host) for host in das["clusters"]} == {host: 0 for host in das["clusters"]}


def test_das_one_mapping_per_cluster_with_error_handling(das, sandbox_env):
    lam, rds = boto(sandbox_env, "lambda"), boto(sandbox_env, "rds")
    mappings = lam.list_event_source_mappings(FunctionName=das["function"])["EventSourceMappings"]
    streams = set()
    for cluster in das["clusters"]:
        described = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
        streams.add(f"arn:aws:kinesis:{das['region']}:{das['account']}:stream/"
                    f"{described['ActivityStreamKinesisStreamName']}")
    assert {m["EventSourceArn"] for m in mappings} == streams
    for mapping in mappings:
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == \
            f"arn:aws:sqs:{das['region']}:{das['account']}:{das['queue']}"


def test_das_bucket_lifecycle_as_configured(das, sandbox_env):
    rules = boto(sandbox_env, "s3").get_bucket_lifecycle_configuration(Bucket=das["bucket"])["Rules"]
    assert len(rules) == 1
    assert rules[0]["Status"] == "Enabled"
    assert rules[0]["Transitions"] == [{"Days": 45, "StorageClass": "DEEP_ARCHIVE"}]
    assert rules[0]["Expiration"]["Days"] == 730


def test_das_policies_least_privilege(das, sandbox_env):
    iam = boto(sandbox_env, "iam")
    function_statements = inline_policy_statements(iam, das["function"])
    firehose_statements = inline_policy_statements(iam, das["firehose_role"])
    assert_least_privilege(function_statements + firehose_statements)
    assert instance_profiles(iam, das["function"]) == [] and instance_profiles(iam, das["firehose_role"]) == []
    by_sid = {s["Sid"]: s for s in function_statements}
    # No cluster named: every activity stream of the account and region, and kms:Decrypt only of data keys RDS made
    # for a cluster's activity stream, so the policy does not grow with the fleet (IAM: 10,240 characters).
    assert by_sid["ReadActivityStreams"]["Resource"] == \
        f"arn:aws:kinesis:{das['region']}:{das['account']}:stream/aws-rds-das-*"
    assert by_sid["DecryptActivityDataKeys"]["Resource"] == f"arn:aws:kms:{das['region']}:{das['account']}:key/*"
    assert by_sid["DecryptActivityDataKeys"]["Condition"] == {
        "Null": {"kms:EncryptionContext:aws:rds:dbc-id": "false"}}
    assert by_sid["DeliverEvents"]["Resource"] == \
        f"arn:aws:firehose:{das['region']}:{das['account']}:deliverystream/{das['delivery']}"
    assert by_sid["PublishAlerts"]["Resource"] == das["topic_arn"]
    bucket_resources = {r for s in firehose_statements for r in as_list(s["Resource"]) if ":s3:::" in r}
    assert bucket_resources == {f"arn:aws:s3:::{das['bucket']}", f"arn:aws:s3:::{das['bucket']}/*"}


def assert_least_privilege(statements: list[dict]) -> None:
    assert statements
    for statement in statements:
        actions = as_list(statement["Action"])
        assert not [a for a in actions if "*" in a], statement
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= NO_RESOURCE_LEVEL_PERMISSION, statement
        assert statement["Effect"] == "Allow"


# ---------------------------------------------------------------------------------------------
# pgaudit_alerting
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pga(sandbox_env, tmp_path_factory):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    clusters = [f"{prefix}-c1", f"{prefix}-c2"]
    logs = boto(sandbox_env, "logs")
    # The pgaudit role's log group for the first cluster; the second has none yet.
    logs.create_log_group(logGroupName=f"/aws/rds/cluster/{clusters[0]}/postgresql")
    logs.put_retention_policy(logGroupName=f"/aws/rds/cluster/{clusters[0]}/postgresql", retentionInDays=90)
    inventory = write_inventory(tmp_path_factory.mktemp("pga"), clusters, dbaudit_pgaudit_alerting_name=prefix)
    acct, region = account(sandbox_env), sandbox_env["aws"]["region"]
    names = {"prefix": prefix, "clusters": clusters, "account": acct, "region": region,
             "function": f"{prefix}-alert", "topic_arn": f"arn:aws:sns:{region}:{acct}:{prefix}-alerts"}
    lam, iam, sns = (boto(sandbox_env, s) for s in ("lambda", "iam", "sns"))

    def snapshot():
        return {
            "function": exists(lambda: lam.get_function(FunctionName=names["function"])),
            "role": exists(lambda: iam.get_role(RoleName=names["function"])),
            "topic": exists(lambda: sns.get_topic_attributes(TopicArn=names["topic_arn"])),
            "filters": sum(
                len(logs.describe_subscription_filters(logGroupName=g["logGroupName"])["subscriptionFilters"])
                for g in logs.describe_log_groups(logGroupNamePrefix=f"/aws/rds/cluster/{prefix}")["logGroups"]),
            "second_group": bool(logs.describe_log_groups(
                logGroupNamePrefix=f"/aws/rds/cluster/{clusters[1]}/postgresql")["logGroups"]),
        }

    names["inventory"] = inventory
    names["runs"] = run_four_times(role_playbook("pgaudit_alerting"), inventory, sandbox_env, snapshot)
    return names


def test_pgaudit_check_mode_on_fresh_account_changes_nothing(pga):
    run = pga["runs"]["check_fresh"]
    assert run.rc == 0 and all(run.failed(host) == 0 for host in pga["clusters"]), run.explain()
    assert run.changed(pga["clusters"][0]) > 0
    assert not any(pga["runs"]["after_check"].values()), pga["runs"]["after_check"]


def test_pgaudit_converges_then_reports_no_change(pga):
    first, second, check_after = pga["runs"]["first"], pga["runs"]["second"], pga["runs"]["check_after"]
    assert first.rc == 0, first.explain()
    assert second.rc == 0 and check_after.rc == 0, second.explain() + check_after.explain()
    for run in (second, check_after):
        assert {h: run.changed(h) for h in pga["clusters"]} == {h: 0 for h in pga["clusters"]}, [
            t["task"]["name"] for t in run.tasks() if any(r.get("changed") for r in t["hosts"].values())]


def test_pgaudit_filters_match_role_class_lines_only(pga, sandbox_env):
    logs = boto(sandbox_env, "logs")
    function_arn = f"arn:aws:lambda:{pga['region']}:{pga['account']}:function:{pga['function']}"
    retention = {}
    for cluster in pga["clusters"]:
        group = f"/aws/rds/cluster/{cluster}/postgresql"
        filters = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
        assert [(f["filterPattern"], f["destinationArn"]) for f in filters] == [('"AUDIT:" ",ROLE,"', function_arn)]
        retention[cluster] = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0].get("retentionInDays")
    # An existing group keeps the pgaudit role's retention; a missing one is created with the role's.
    assert retention == {pga["clusters"][0]: 90, pga["clusters"][1]: 365}


def test_pgaudit_policies_least_privilege(pga, sandbox_env):
    iam = boto(sandbox_env, "iam")
    statements = inline_policy_statements(iam, pga["function"])
    assert instance_profiles(iam, pga["function"]) == []
    assert_least_privilege(statements)
    actions = sorted(a for s in statements for a in as_list(s["Action"]))
    assert actions == ["kms:Decrypt", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents",
                       "sns:Publish"]
    publish = next(s for s in statements if "sns:Publish" in as_list(s["Action"]))
    assert publish["Resource"] == pga["topic_arn"]


def test_pgaudit_one_invoke_permission_for_the_rds_log_groups_replaces_those_per_cluster(pga, sandbox_env):
    # Earlier versions added one permission per log group (about 430 bytes each; Lambda's policy holds 20 KB, so
    # 44-50 clusters): a run removes them, leaving the one that covers every RDS log group of the account.
    lam = boto(sandbox_env, "lambda")
    old_ids = [f"logs-cluster-{cluster}" for cluster in pga["clusters"]] + ["logs-instance-legacy-db"]
    for sid in old_ids:
        target, name = sid.split("-", 2)[1:]
        lam.add_permission(FunctionName=pga["function"], StatementId=sid, Action="lambda:InvokeFunction",
                           Principal="logs.amazonaws.com", SourceAccount=pga["account"],
                           SourceArn=f"arn:aws:logs:{pga['region']}:{pga['account']}:log-group:/aws/rds/{target}/"
                                     f"{name}/postgresql:*")
    migrated = run_playbook(role_playbook("pgaudit_alerting"), sandbox_env, inventory=pga["inventory"])
    assert migrated.rc == 0, migrated.explain()
    task = "dbaudit.postgresql.pgaudit_alerting : Per-log-group permissions of earlier versions removed"
    removed = migrated.result(task, pga["clusters"][0])
    assert sorted(r["item"] for r in removed["results"] if r["changed"]) == sorted(old_ids)
    statements = json.loads(lam.get_policy(FunctionName=pga["function"])["Policy"])["Statement"]
    assert [(s["Sid"], s["Condition"]["ArnLike"]["AWS:SourceArn"]) for s in statements] == [
        ("logs-rds-log-groups", f"arn:aws:logs:{pga['region']}:{pga['account']}:log-group:/aws/rds/*")]


# ---------------------------------------------------------------------------------------------
# dbaudit.postgresql.lambda_event_source_mapping, on the mapping das_alerting made
# ---------------------------------------------------------------------------------------------

MAPPING_TASK = """
- name: Mapping module
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Mapping
      dbaudit.postgresql.lambda_event_source_mapping:
        function_name: "{{ function }}"
        event_source_arn: "{{ stream }}"
        batch_size: "{{ batch_size }}"
        starting_position: TRIM_HORIZON
        maximum_batching_window: 1
        bisect_batch_on_function_error: "{{ bisect }}"
        maximum_retry_attempts: 10
        on_failure_destination: "{{ failure }}"
        function_response_types: [ReportBatchItemFailures]
"""


def test_mapping_module_updates_in_place_and_refuses_bad_ranges(das, sandbox_env):
    lam = boto(sandbox_env, "lambda")
    mapping = lam.list_event_source_mappings(FunctionName=das["function"])["EventSourceMappings"][0]
    base = {"function": das["function"], "stream": mapping["EventSourceArn"], "batch_size": 100, "bisect": True,
            "failure": f"arn:aws:sqs:{das['region']}:{das['account']}:{das['queue']}"}

    same = run_playbook(MAPPING_TASK, sandbox_env, extra_vars=base)
    assert same.rc == 0 and not same.result("Mapping")["changed"], same.explain()

    wanted = dict(base, batch_size=250, bisect=False)
    checked = run_playbook(MAPPING_TASK, sandbox_env, extra_vars=wanted, check=True, diff=True)
    assert checked.result("Mapping")["changed"]
    assert sorted(checked.result("Mapping")["changed_settings"]) == ["batch_size", "bisect_batch_on_function_error"]
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["BatchSize"] == 100  # check mode changed nothing

    applied = run_playbook(MAPPING_TASK, sandbox_env, extra_vars=wanted)
    assert applied.result("Mapping")["changed"], applied.explain()
    after = lam.get_event_source_mapping(UUID=mapping["UUID"])
    assert (after["BatchSize"], after["BisectBatchOnFunctionError"]) == (250, False)
    assert not run_playbook(MAPPING_TASK, sandbox_env, extra_vars=wanted).result("Mapping")["changed"]

    refused = run_playbook(MAPPING_TASK, sandbox_env, extra_vars=dict(base, batch_size=20000))
    assert refused.rc != 0
    assert "batch_size=20000 is outside 1..10000" in refused.result("Mapping")["msg"]
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["BatchSize"] == 250

    # Put the role's settings back for the tests that read the mapping.
    run_playbook(MAPPING_TASK, sandbox_env, extra_vars=base)


MAPPINGS = "dbaudit.postgresql.das_alerting : Event source mappings of the play's activity streams (one call for " \
    "the play per set of mapping options)"


def test_das_maps_the_plays_streams_in_one_call_keeping_each_hosts_options(das, sandbox_env, tmp_path):
    # One module call maps every cluster's stream; a host whose mapping options differ (its own variables) gets a
    # call of its own, so each mapping keeps its host's options, as when each host mapped its own stream.
    import yaml

    lam = boto(sandbox_env, "lambda")
    first, second = das["clusters"]
    inventory = yaml.safe_load(das["inventory"].read_text(encoding="utf-8"))
    inventory["all"]["hosts"][second]["dbaudit_das_alerting_batch_size"] = 50
    own = tmp_path / "inventory.yml"
    own.write_text(yaml.safe_dump(inventory), encoding="utf-8")

    def batch_sizes():
        by_stream = {m["EventSourceArn"].rsplit("/", 1)[-1]: m["BatchSize"]
                     for m in lam.list_event_source_mappings(FunctionName=das["function"])["EventSourceMappings"]}
        rds = boto(sandbox_env, "rds")
        return {cluster: by_stream[rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0][
            "ActivityStreamKinesisStreamName"]] for cluster in das["clusters"]}

    run = run_playbook(role_playbook("das_alerting"), sandbox_env, inventory=own)
    assert run.rc == 0, run.explain()
    calls = run.result(MAPPINGS, first)["results"]
    assert sorted((c["item"]["batch_size"], len(c["event_source_mappings"]), c["changed"]) for c in calls) == [
        (50, 1, True), (100, 1, False)]
    assert batch_sizes() == {first: 100, second: 50}

    # The role's inventory again: one call for both streams, the second one's mapping put back.
    run = run_playbook(role_playbook("das_alerting"), sandbox_env, inventory=das["inventory"])
    assert run.rc == 0, run.explain()
    calls = run.result(MAPPINGS, first)["results"]
    assert [[e["action"] for e in c["event_source_mappings"]] for c in calls] == [["none", "update"]]
    assert batch_sizes() == {first: 100, second: 100}


def test_das_run_over_part_of_the_fleet_leaves_the_policy_as_it_is(das, sandbox_env):
    # A DBA's `--limit one-cluster` (or one AWX job slice) writes the same decrypt policy as a run over the whole
    # fleet: it names no cluster, so nothing of the others' can be dropped. dbaudit_das_alerting_prune_clusters is
    # deprecated: accepted (as a string too, as -e passes it), said to have no effect.
    iam = boto(sandbox_env, "iam")
    whole_fleet = inline_policy_statements(iam, das["function"])
    last = das["clusters"][1]
    limited = run_playbook(role_playbook("das_alerting"), sandbox_env, inventory=das["inventory"],
                           args=["--limit", last, "-e", "dbaudit_das_alerting_prune_clusters=true"])
    assert limited.rc == 0, limited.explain()
    assert limited.changed(last) == 0
    task = "dbaudit.postgresql.das_alerting : Deprecated dbaudit_das_alerting_prune_clusters has no effect"
    said = limited.result(task, last)["msg"]
    assert "deprecated and has no effect" in said
    assert inline_policy_statements(iam, das["function"]) == whole_fleet


# ---------------------------------------------------------------------------------------------
# dbaudit.postgresql.lambda_event_source_mapping, list form: many streams in one call
# ---------------------------------------------------------------------------------------------

MAPPINGS_TASK = """
- name: Mappings module
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Mappings
      dbaudit.postgresql.lambda_event_source_mapping:
        function_name: "{{ function }}"
        event_source_arns: "{{ streams }}"
        batch_size: "{{ batch_size | default(100) }}"
        starting_position: TRIM_HORIZON
        bisect_batch_on_function_error: true
        maximum_retry_attempts: 10
        function_response_types: [ReportBatchItemFailures]
      ignore_errors: true
"""

CREATE, UPDATE, LIST = ("lambda:POST /event-source-mappings", "lambda:PUT /event-source-mappings",
                        "lambda:GET /event-source-mappings")


@pytest.fixture
def mapped_function(sandbox_env, unique_name):
    """A function of its own and four Kinesis streams (the last one never created), removed afterwards."""
    import io
    import zipfile

    lam, iam, kinesis = (boto(sandbox_env, s) for s in ("lambda", "iam", "kinesis"))
    name = unique_name("esm-")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="handler.handler",
                        Code={"ZipFile": package.getvalue()})
    streams = []
    for n in range(3):
        kinesis.create_stream(StreamName=f"{name}-s{n}", ShardCount=1)
        streams.append(kinesis.describe_stream_summary(StreamName=f"{name}-s{n}")["StreamDescriptionSummary"]
                       ["StreamARN"])
    missing = streams[0].rsplit("/", 1)[0] + f"/{name}-never-made"
    yield {"function": name, "streams": streams, "missing": missing}
    for mapping in lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]:
        lam.delete_event_source_mapping(UUID=mapping["UUID"])
    lam.delete_function(FunctionName=name)
    iam.delete_role(RoleName=name)
    for n in range(3):
        kinesis.delete_stream(StreamName=f"{name}-s{n}")


def counted(emulator_config, sandbox_env, variables, **kwargs):
    """Runs MAPPINGS_TASK; (its run, the emulator's writes, its reads) meanwhile, per operation."""
    from sandbox.emulator.call_counter import is_read

    emulator_config({"reset_stats": True})
    run = run_playbook(MAPPINGS_TASK, sandbox_env, extra_vars=variables, **kwargs)
    operations = emulator_config({})["stats"]["operations"]
    return (run, {op: n for op, n in operations.items() if not is_read(op)},
            {op: n for op, n in operations.items() if is_read(op)})


def mapped(lam, function: str) -> dict:
    mappings = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    return {mapping["EventSourceArn"]: mapping for mapping in mappings}


def test_mapping_module_maps_several_streams_in_one_call(mapped_function, sandbox_env, emulator_config):
    lam = boto(sandbox_env, "lambda")
    function, streams = mapped_function["function"], mapped_function["streams"]
    variables = {"function": function, "streams": streams + [streams[0]]}  # a duplicate counts once

    checked, writes, reads = counted(emulator_config, sandbox_env, variables, check=True, diff=True)
    result = checked.result("Mappings")
    assert checked.rc == 0 and result["changed"], checked.explain()
    assert [(e["event_source_arn"], e["action"], e["changed"]) for e in result["event_source_mappings"]] == [
        (arn, "create", True) for arn in streams]
    assert result["diff"]["before"] == {arn: {} for arn in streams}
    assert {arn: after["batch_size"] for arn, after in result["diff"]["after"].items()} == {arn: 100 for arn in streams}
    assert writes == {} and mapped(lam, function) == {}
    # One paginated list of the function's mappings for every source; each stream to map looked up once.
    assert (reads.get(LIST), reads.get("kinesis:DescribeStreamSummary")) == (1, 3), reads

    first, writes, reads = counted(emulator_config, sandbox_env, variables)
    result = first.result("Mappings")
    assert first.rc == 0 and result["changed"], first.explain()
    assert "diff" not in result  # only in diff mode
    assert writes == {CREATE: 3} and reads.get(LIST) == 1, (writes, reads)
    made = mapped(lam, function)
    assert sorted(made) == sorted(streams)
    for arn, mapping in made.items():
        assert (mapping["BatchSize"], mapping["BisectBatchOnFunctionError"], mapping["MaximumRetryAttempts"],
                mapping["StartingPosition"], mapping["FunctionResponseTypes"]) == (
            100, True, 10, "TRIM_HORIZON", ["ReportBatchItemFailures"]), arn
    assert {e["event_source_arn"]: e["event_source_mapping"]["uuid"] for e in result["event_source_mappings"]} == {
        arn: mapping["UUID"] for arn, mapping in made.items()}

    again, writes, reads = counted(emulator_config, sandbox_env, variables)
    result = again.result("Mappings")
    assert again.rc == 0 and not result["changed"], again.explain()
    assert {e["action"] for e in result["event_source_mappings"]} == {"none"}
    assert writes == {} and reads == {LIST: 1}, reads  # nothing to create: no stream looked up

    # One mapping differs: only that one is updated, in check mode nothing is.
    lam.update_event_source_mapping(UUID=made[streams[1]]["UUID"], BatchSize=7)
    checked, writes, unused_reads = counted(emulator_config, sandbox_env, variables, check=True)
    assert [e["action"] for e in checked.result("Mappings")["event_source_mappings"]] == ["none", "update", "none"]
    assert writes == {} and lam.get_event_source_mapping(UUID=made[streams[1]]["UUID"])["BatchSize"] == 7
    fixed, writes, unused_reads = counted(emulator_config, sandbox_env, variables)
    entries = fixed.result("Mappings")["event_source_mappings"]
    assert [(e["action"], e["changed_settings"]) for e in entries] == [
        ("none", []), ("update", ["batch_size"]), ("none", [])]
    assert writes == {UPDATE: 1} and lam.get_event_source_mapping(UUID=made[streams[1]]["UUID"])["BatchSize"] == 100


@pytest.mark.parametrize("bad", ["missing", "not_kinesis", "batch_size"])
def test_mapping_module_list_with_one_bad_source_refuses_with_no_write(
        mapped_function, sandbox_env, emulator_config, bad):
    lam = boto(sandbox_env, "lambda")
    function, streams = mapped_function["function"], mapped_function["streams"]
    # The first stream is mapped already and differs, the others are new: none of them may be touched.
    lam.create_event_source_mapping(FunctionName=function, EventSourceArn=streams[0], StartingPosition="TRIM_HORIZON",
                                    BatchSize=7)
    variables = {"function": function, "streams": list(streams)}
    if bad == "missing":
        variables["streams"].insert(1, mapped_function["missing"])
    elif bad == "not_kinesis":
        variables["streams"].append("arn:aws:sqs:eu-west-1:123456789012:queue")
    else:
        variables["batch_size"] = 20000
    for check in (True, False):
        refused, writes, unused_reads = counted(emulator_config, sandbox_env, variables, check=check)
        result = refused.result("Mappings")
        assert result["failed"] and not result["changed"], refused.explain()
        assert writes == {}, writes
        assert "nothing was changed" in result["msg"]
        if bad == "missing":
            assert result["refused_sources"] == [mapped_function["missing"]]
            assert f"{mapped_function['missing']} does not exist" in result["msg"]
        elif bad == "not_kinesis":
            assert result["refused_sources"] == ["arn:aws:sqs:eu-west-1:123456789012:queue"]
            assert "is not a Kinesis data stream ARN" in result["msg"]
        else:
            assert "batch_size=20000 is outside 1..10000" in result["msg"] and f"all {len(streams)} sources" in \
                result["msg"]
    after = mapped(lam, function)
    assert list(after) == [streams[0]] and after[streams[0]]["BatchSize"] == 7

"""The alerting roles' policies do not grow with the fleet. The das_decrypt execution role's inline policy is
rendered from the role's template for 2 and for 500 clusters (hostvars as clusters.yml sets them) and must be the
same document, far under IAM's 10,240 characters; audit_alert's resource policy gets one permission per play, not
one per cluster (the per-host task file adds none). Before, the decrypt policy grew by about 132 characters per
cluster (the limit at 66 clusters) and each cluster added a Lambda permission of about 430 bytes (20 KB at 44-50)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2
import yaml

CHECKOUT = Path(__file__).resolve().parents[3]
TEMPLATE = CHECKOUT / "roles/das_alerting/templates/decrypt_policy_statements.json.j2"
ACCOUNT, REGION = "123456789012", "us-east-1"
IAM_ROLE_INLINE_LIMIT = 10240


def fleet_vars(clusters: int) -> dict:
    hosts = [f"fleet-cluster-{n:03d}" for n in range(clusters)]
    hostvars = {host: {
        "dbaudit_das_alerting_stream_arn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/aws-rds-das-cluster-{n:026d}",
        "dbaudit_das_alerting_resource_id": f"cluster-{n:026d}"} for n, host in enumerate(hosts)}
    return {"ansible_play_hosts": hosts, "hostvars": hostvars, "dbaudit_alerting_partition": "aws",
            "dbaudit_alerting_aws_region": REGION, "dbaudit_alerting_account": ACCOUNT,
            "dbaudit_das_alerting_delivery_name": "dbaudit-das-activity",
            "dbaudit_alerting_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:dbaudit-das-alerts",
            "dbaudit_das_alerting_failure_arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dbaudit-das-failed",
            "dbaudit_alerting_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/alerting",
            "dbaudit_das_alerting_prune_clusters": False}


def render_decrypt_policy(clusters: int) -> str:
    """The execution role's inline policy as alerting_common/tasks/function.yml writes it."""
    # JSON, not HTML: nothing to escape (Ansible renders templates without autoescape too).
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701
    environment.filters["to_json"] = json.dumps
    environment.filters["extract"] = lambda item, container, key: container[item][key]  # Ansible's extract
    statements = json.loads(environment.from_string(TEMPLATE.read_text()).render(**fleet_vars(clusters)))
    own_logs = {"Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/dbaudit-das-decrypt:*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [own_logs] + statements})


def iam_chars(document: str) -> int:
    return len(re.sub(r"\s", "", document))


def test_decrypt_policy_is_the_same_for_2_and_500_clusters_and_far_under_the_limit():
    small, large = render_decrypt_policy(2), render_decrypt_policy(500)
    assert small == large
    assert iam_chars(large) < IAM_ROLE_INLINE_LIMIT / 3, iam_chars(large)


def test_decrypt_policy_reads_every_activity_stream_and_decrypts_only_rds_activity_data_keys():
    by_sid = {s["Sid"]: s for s in json.loads(render_decrypt_policy(3))["Statement"]}
    assert by_sid["ReadActivityStreams"]["Resource"] == f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/aws-rds-das-*"
    decrypt = by_sid["DecryptActivityDataKeys"]
    assert (decrypt["Action"], decrypt["Resource"]) == (["kms:Decrypt"], f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*")
    assert decrypt["Condition"] == {"Null": {"kms:EncryptionContext:aws:rds:dbc-id": "false"}}


def tasks(path: str) -> list[dict]:
    return yaml.safe_load((CHECKOUT / path).read_text())


def test_audit_alert_gets_one_invoke_permission_per_play_for_every_rds_log_group():
    per_host = [t for t in tasks("roles/pgaudit_alerting/tasks/subscription.yml") if "amazon.aws.lambda_policy" in t]
    assert per_host == []
    once = [t["amazon.aws.lambda_policy"] for t in tasks("roles/pgaudit_alerting/tasks/fleet.yml")
            if t.get("amazon.aws.lambda_policy", {}).get("state") == "present"]
    assert len(once) == 1
    assert "{{" not in once[0]["statement_id"]
    assert once[0]["source_arn"].split()[-1].endswith("}}:log-group:/aws/rds/*")
    assert once[0]["principal"] == "logs.amazonaws.com"


def test_das_alerting_reads_no_policy_back_to_merge():
    fleet = (CHECKOUT / "roles/das_alerting/tasks/fleet.yml").read_text()
    assert "iam_policy_info" not in fleet
    assert "ansible_play_hosts" not in TEMPLATE.read_text() and "hostvars" not in TEMPLATE.read_text()

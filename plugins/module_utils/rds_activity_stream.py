# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Database Activity Streams on Aurora PostgreSQL: what AWS refuses (checked before any call that
changes something), KMS key references in one comparable form, and the stream as described."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Dict
from typing import List
from typing import Optional

SUPPORTED_ENGINE = "aurora-postgresql"
_KEY_ID = re.compile(r"^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_KEY_ARN = re.compile(r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/(.+)$")
AWS_MANAGED_RDS_ALIAS = "alias/aws/rds"
_AWS_ALIAS = re.compile(r"^(arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:)?alias/aws/")


def key_id_from_reference(reference: Optional[str]) -> Optional[str]:
    """The key id in a bare key id or a key ARN; None for an alias (only KMS can resolve that)."""
    if not reference:
        return None
    match = _KEY_ARN.match(reference)
    candidate = match.group(1) if match else reference
    return candidate if _KEY_ID.match(candidate) else None


def stream_kinesis_name(cluster: Dict) -> str:
    """The Kinesis stream AWS creates for a cluster's activity stream: ``aws-rds-das-<DbClusterResourceId>``."""
    return f"aws-rds-das-{cluster.get('DbClusterResourceId')}"


PENDING_WINDOW = "pending maintenance window"
# While AWS starts or stops a stream now, the cluster shows this status; a start or stop asked with
# ApplyImmediately=false shows ``starting`` / ``stopping`` on a cluster that stays ``available`` until its window.
CONFIGURING_STATUS = "configuring-activity-stream"


def pending_change(cluster: Dict) -> Optional[str]:
    """``start`` or ``stop`` when the stream's change waits for the maintenance window, else None."""
    status = cluster.get("ActivityStreamStatus") or "stopped"
    if status not in ("starting", "stopping") or cluster.get("Status") == CONFIGURING_STATUS:
        return None
    return "start" if status == "starting" else "stop"


def described_stream(cluster: Dict, normalised_key_id: Optional[str] = None) -> Dict:
    """The activity stream fields of a described cluster, in the module's return shape."""
    status = cluster.get("ActivityStreamStatus") or "stopped"
    return {
        "status": status,
        "mode": cluster.get("ActivityStreamMode"),
        "kms_key_id": normalised_key_id or cluster.get("ActivityStreamKmsKeyId"),
        "kinesis_stream_name": cluster.get("ActivityStreamKinesisStreamName"),
    }


def cluster_refusals(cluster: Dict, instances: List[Dict]) -> List[str]:
    """Why AWS cannot run an activity stream on this cluster (engine, Serverless, burstable classes)."""
    name = cluster.get("DBClusterIdentifier")
    engine = cluster.get("Engine")
    if engine == "postgres":
        return [f"cluster {name} is RDS for PostgreSQL (engine postgres), which has no Database Activity Streams; "
                "audit it with pgAudit instead (rds_parameter_group with preload_libraries: [pgaudit], "
                "then rds_log_exports)"]
    if engine != SUPPORTED_ENGINE:
        return [f"cluster {name} runs engine {engine}; this module manages activity streams of Aurora PostgreSQL "
                f"({SUPPORTED_ENGINE}) clusters only"]
    refusals = []
    if cluster.get("EngineMode") == "serverless":
        refusals.append(f"cluster {name} is Aurora Serverless v1, which does not support activity streams")
    serverless = sorted(i["DBInstanceIdentifier"] for i in instances if i.get("DBInstanceClass") == "db.serverless")
    if serverless:
        refusals.append(f"cluster {name} has Aurora Serverless v2 instances ({', '.join(serverless)}), which do not "
                        "support activity streams; use provisioned instance classes")
    burstable = sorted(f"{i['DBInstanceIdentifier']} ({i.get('DBInstanceClass')})" for i in instances
                       if (i.get("DBInstanceClass") or "").startswith("db.t"))
    if burstable:
        refusals.append(f"cluster {name} has burstable instances {', '.join(burstable)}; activity streams need "
                        "non-burstable classes such as db.r6g or db.r7g: modify those instances first")
    return refusals


def key_refusals(reference: str, key_metadata: Optional[Dict]) -> List[str]:
    """Why KMS key ``reference`` cannot encrypt an activity stream (missing, AWS managed, asymmetric, disabled)."""
    if key_metadata is None:
        return [f"kms_key_id {reference}: no such KMS key in this account and region (or it is not visible to you)"]
    refusals = []
    # Alias names under alias/aws/ are reserved for AWS managed keys; users cannot create them.
    aws_alias = _AWS_ALIAS.match(reference or "")
    if key_metadata.get("KeyManager") == "AWS" or aws_alias:
        refusals.append(f"kms_key_id {reference} is an AWS managed key ({AWS_MANAGED_RDS_ALIAS} or similar); "
                        "activity streams need a customer managed symmetric key: create one and give its id or alias")
    spec = key_metadata.get("KeySpec") or key_metadata.get("CustomerMasterKeySpec")
    if spec and spec != "SYMMETRIC_DEFAULT":
        refusals.append(f"kms_key_id {reference} is a {spec} key; activity streams need a symmetric key "
                        "(SYMMETRIC_DEFAULT)")
    state = key_metadata.get("KeyState")
    if state and state != "Enabled":
        refusals.append(f"kms_key_id {reference} is {state}; enable it first")
    return refusals


def restart_reasons(current: Dict, mode: str, key_id: Optional[str]) -> List[str]:
    """What differs between a started stream and the options (mode, key), each naming both values."""
    reasons = []
    if current.get("mode") and current["mode"] != mode:
        reasons.append(f"it runs in mode {current['mode']}, the options ask for {mode}")
    if key_id and current.get("kms_key_id") and current["kms_key_id"] != key_id:
        reasons.append(f"it is encrypted with KMS key {current['kms_key_id']}, the options ask for {key_id}")
    return reasons

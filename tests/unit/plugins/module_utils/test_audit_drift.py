"""module_utils.audit_drift and audit_report_render: each difference from policy as one sentence naming both
values, nothing when everything matches, and the report rendered (by playbooks/templates/) with every value
escaped."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))
sys.path.insert(0, str(CHECKOUT / "tests"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import audit_drift  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import audit_report_render  # noqa: E402
from report_templates import render  # noqa: E402

POLICY = {
    "preload_libraries": ["pgaudit"], "parameters": {"pgaudit.log": "none", "pgaudit.log_catalog": 0,
                                                     "pgaudit.role": "rds_pgaudit"},
    "reboot_policy": "rolling", "log_export": True, "log_retention_days": 30, "databases": ["orders"],
    "role_policies": [{"role": "app", "database": "orders", "profile": "baseline",
                       "settings": {"log": ["role", "ddl"], "log_relation": False}}],
    "das_enabled": True, "das_mode": "async", "pgaudit_alerting": True, "das_alerting": True,
}


def aws(**overrides):
    facts = {
        "found": True, "cluster_identifier": "orders", "resource_id": "cluster-ORDERS",
        "parameter_group": {"name": "orders-dbaudit", "shared_preload_libraries": ["pg_stat_statements", "pgaudit"],
                            "pgaudit_parameters": {"pgaudit.log": "none", "pgaudit.log_catalog": "0",
                                                   "pgaudit.role": "rds_pgaudit"}},
        "pending_reboot": [], "log_export": True,
        "log_group": {"name": "/aws/rds/cluster/orders/postgresql", "exists": True, "retention_days": 30},
        "activity_stream": {"status": "started", "mode": "async"},
        "alerting": {"subscription_filters": [{"name": "f"}], "event_source_mappings": [{"uuid": "u"}]},
    }
    facts.update(overrides)
    return facts


def database(**overrides):
    facts = {
        "preloaded": True, "shared_preload_libraries": ["pgaudit"],
        "databases": {"orders": {"installed_version": "1.7"}},
        "settings": [{"scope": "server", "role": None, "database": None, "settings": {}},
                     {"scope": "role_in_database", "role": "app", "database": "orders",
                      "settings": {"pgaudit.log": {"value": "ddl, role"}, "pgaudit.log_relation": {"value": "off"}}}],
    }
    facts.update(overrides)
    return facts


def test_a_cluster_as_its_policy_says_has_no_drift():
    assert audit_drift.cluster_drift(POLICY, aws(), database()) == []


def test_parameter_group_drift_names_both_values():
    group = {"name": "g", "shared_preload_libraries": ["pg_stat_statements"],
             "pgaudit_parameters": {"pgaudit.log": "ddl", "pgaudit.role": "rds_pgaudit"}}
    assert audit_drift.parameter_drift(POLICY, aws(parameter_group=group)) == [
        "parameter group g: shared_preload_libraries 'pg_stat_statements' lacks pgaudit",
        "parameter group g: pgaudit.log is ddl (policy: none)",
        "parameter group g: pgaudit.log_catalog is not set (policy: 0)",
    ]


def test_pending_reboot_is_drift_only_when_the_policy_reboots_now():
    pending = aws(pending_reboot=["orders-1"])
    assert audit_drift.parameter_drift(POLICY, pending) == [
        "instances pending a reboot to apply the parameter group: orders-1"]
    assert audit_drift.parameter_drift(dict(POLICY, reboot_policy="next_maintenance_window"), pending) == []


def test_log_export_and_retention():
    off = aws(log_export=False, log_group={"name": "/g", "exists": True, "retention_days": 7})
    assert audit_drift.log_drift(POLICY, off) == ["postgresql log export is off",
                                                  "log group /g keeps 7 days (policy: 30)"]
    assert audit_drift.log_drift(dict(POLICY, log_export=False), off) == []


def test_database_drift():
    assert audit_drift.database_drift(POLICY, {"failed": False, "msg": "timeout"}) == [
        "cannot read the databases: timeout"]
    reset = database(databases={"orders": {"installed_version": None}},
                     settings=[{"scope": "role_in_database", "role": "app", "database": "orders",
                                "settings": {"pgaudit.log": {"value": "role"}}}])
    assert audit_drift.database_drift(POLICY, reset) == [
        "database orders: the pgaudit extension is not installed",
        "role app in database orders: pgaudit.log is role (profile baseline: role,ddl)",
        "role app in database orders: pgaudit.log_relation is not set (profile baseline: off)",
    ]


def test_stream_alerting_and_missing_cluster():
    assert audit_drift.stream_drift(POLICY, aws(activity_stream={"status": "stopped"})) == [
        "activity stream is stopped (policy: started)"]
    assert audit_drift.stream_drift(POLICY, aws(activity_stream={"status": "started", "mode": "sync"})) == [
        "activity stream runs in mode sync (policy: async)"]
    assert audit_drift.alerting_drift(POLICY, aws(alerting={})) == [
        "alerting does not reach cluster orders: no subscription filter on the postgresql log group "
        "/aws/rds/cluster/orders/postgresql",
        "alerting does not reach cluster orders: no event source mapping from None"]
    assert audit_drift.cluster_drift(POLICY, {"found": False}, None) == ["cluster not found"]


def test_rendered_report_escapes_values_and_keeps_other_databases_out():
    facts = database(settings=database()["settings"] + [
        {"scope": "role_in_database", "role": "app", "database": "someone_else", "settings": {}}])
    row = audit_report_render.row("<script>x</script>", "orders", aws(), facts, ["a <b> drift"])
    assert [s["database"] for s in row["role_settings"]] == ["orders"]
    report = {"generated": "now", "clusters": [row], "clusters_with_drift": 1}
    page = render("audit_report.html.j2", report)
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page and "a &lt;b&gt; drift" in page
    markdown = render("audit_report.md.j2", report)
    assert markdown.count("\n| ") == 2 and "1 with drift" in markdown


def test_database_policy_without_role_is_compared_with_the_database_scope():
    policy = dict(POLICY, role_policies=[{"database": "orders", "profile": "strict", "settings": {"log": ["write"]}}])
    stored = database(settings=[
        {"scope": "role_in_database", "role": "app", "database": "orders",
         "settings": {"pgaudit.log": {"value": "write"}}},
        {"scope": "database", "role": None, "database": "orders", "settings": {"pgaudit.log": {"value": "ddl"}}}])
    assert audit_drift.database_drift(policy, stored) == [
        "database orders: pgaudit.log is ddl (profile strict: write)"]
    row = audit_report_render.row("orders", "orders", aws(), stored, [])
    assert [(s["role"], s["database"], s["pgaudit.log"]) for s in row["role_settings"]] == [
        ("app", "orders", "write"), (None, "orders", "ddl")]
    report = {"generated": "now", "clusters": [row], "clusters_with_drift": 0}
    assert "| app@orders: write, orders: ddl |" in render("audit_report.md.j2", report)


def test_a_profile_that_does_not_resolve_is_drift_never_compliance():
    unresolved = {"role": "app", "database": "orders", "profile": "stricct", "settings": None,
                  "known_profiles": ["strict", "baseline", "full"]}
    policy = dict(POLICY, role_policies=[unresolved])
    expected = ("role app in database orders: unresolvable policy: profile stricct is not defined in "
                "dbaudit_audit_profiles (known profiles: baseline, full, strict)")
    # Nothing stored for the role either: "nothing expected" must not read as "nothing missing".
    assert audit_drift.cluster_drift(policy, aws(), database(settings=[])) == [expected]
    assert audit_drift.cluster_drift(policy, {"found": False}, None) == ["cluster not found", expected]
    without_settings = dict(POLICY, role_policies=[{"database": "orders", "profile": "x"}])
    assert audit_drift.policy_drift(without_settings) == [
        "database orders: unresolvable policy: profile x is not defined in dbaudit_audit_profiles "
        "(known profiles: unknown)"]


STREAM = {"status": "started", "mode": "async", "kms_key_id": "key-1",
          "kinesis_stream_name": "aws-rds-das-cluster-ORDERS"}
DECRYPT_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadActivityStreams", "Effect": "Allow", "Action": ["kinesis:GetRecords", "kinesis:ListShards"],
     "Resource": ["arn:aws:kinesis:eu-west-1:123456789012:stream/aws-rds-das-cluster-ORDERS"]},
    {"Sid": "DecryptActivityDataKeys", "Effect": "Allow", "Action": ["kms:Decrypt"],
     "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/key-1"],
     "Condition": {"StringEquals": {"kms:EncryptionContext:aws:rds:dbc-id": ["cluster-ORDERS"]}}}]}
MAPPED = {"subscription_filters": [{"name": "f", "destination_arn": "arn:aws:lambda:r:1:function:pg-alert"}],
          "event_source_mappings": [{"uuid": "u", "function_arn": "arn:aws:lambda:r:1:function:das-decrypt"}]}
ALERTING = dict(POLICY, pgaudit_alerting_function="pg-alert", das_alerting_name="das")


def pipelines(document):
    return {"das": {"function": "das-decrypt", "function_policy": document}}


def test_alerting_reaches_the_cluster_only_when_policy_mapping_and_filter_name_it():
    covered = aws(activity_stream=STREAM, alerting=MAPPED)
    assert audit_drift.alerting_drift(ALERTING, covered, pipelines(DECRYPT_POLICY)) == []
    dropped = {"Statement": [dict(DECRYPT_POLICY["Statement"][0], Resource=["arn:aws:kinesis:r:1:stream/other"]),
                             dict(DECRYPT_POLICY["Statement"][1], Condition={"StringEquals": {
                                 "kms:EncryptionContext:aws:rds:dbc-id": ["cluster-OTHER"]}})]}
    assert audit_drift.alerting_drift(ALERTING, covered, pipelines(dropped)) == [
        "alerting does not reach cluster orders: the decrypt function's policy das-decrypt does not name its "
        "activity stream aws-rds-das-cluster-ORDERS",
        "alerting does not reach cluster orders: the decrypt function's policy das-decrypt does not allow "
        "kms:Decrypt with its stream key key-1 for resource id cluster-ORDERS"]
    assert audit_drift.alerting_drift(ALERTING, covered, pipelines(None)) == [
        "alerting does not reach cluster orders: the decrypt function's policy das-decrypt does not exist"]
    elsewhere = aws(activity_stream=STREAM, alerting={
        "subscription_filters": [{"name": "f", "destination_arn": "arn:aws:lambda:r:1:function:other"}],
        "event_source_mappings": [{"uuid": "u", "function_arn": "arn:aws:lambda:r:1:function:other"}]})
    assert audit_drift.alerting_drift(ALERTING, elsewhere, pipelines(DECRYPT_POLICY)) == [
        "alerting does not reach cluster orders: no subscription filter on the postgresql log group "
        "/aws/rds/cluster/orders/postgresql to pg-alert",
        "alerting does not reach cluster orders: no event source mapping from aws-rds-das-cluster-ORDERS to "
        "das-decrypt"]
    wildcard = {"Statement": [
        {"Effect": "Allow", "Action": "kinesis:*", "Resource": "arn:aws:kinesis:*:*:stream/aws-rds-das-*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}
    assert audit_drift.alerting_drift(ALERTING, covered, pipelines(wildcard)) == []


def test_hardening_warns_of_keys_without_rotation_and_unhardened_pipelines():
    rows = [audit_report_render.row("orders", "orders", aws(activity_stream=dict(STREAM, key_rotation=False)),
                                    database(), [])]
    section = audit_report_render.hardening(rows, {"das": {
        "bucket": {"name": "b", "exists": True, "versioning": "Disabled"},
        "delivery_stream": {"name": "d", "exists": True, "encryption": {"status": "DISABLED"}}}})
    assert rows[0]["stream_key_rotation"] is False
    assert section["warnings"] == [
        "cluster orders: activity stream key has no automatic rotation",
        "pipeline das: bucket b versioning is Disabled",
        "pipeline das: delivery stream d server-side encryption is DISABLED"]
    report = {"generated": "now", "clusters": rows, "clusters_with_drift": 0, "hardening": section}
    assert "- warning: pipeline das: bucket b versioning is Disabled" in render("audit_report.md.j2", report)
    assert "<h2>Hardening</h2>" in render("audit_report.html.j2", report)


def test_an_rds_instance_has_no_activity_stream_drift_and_a_self_managed_server_is_its_own_preload():
    from ansible_collections.dbaudit.postgresql.plugins.module_utils.fleet_audit_reads import server_as_resource

    policy = dict(POLICY, das_enabled=False, das_alerting=False, pgaudit_alerting=False, role_policies=[],
                  databases=[])
    read = {"settings": [], "databases": {}, "preloaded": True, "shared_preload_libraries": ["pgaudit"],
            "pending_restart": False, "server_version_num": 160004}
    instance = aws(kind="instance", activity_stream={"status": None, "available": False}, alerting={})
    assert audit_drift.cluster_drift(policy, instance, read) == []
    # The same facts as a cluster: the policy's stream is asked for and absent.
    assert audit_drift.cluster_drift(dict(policy, das_enabled=True), dict(instance, kind="cluster"), read) == [
        "activity stream is None (policy: started)"]
    assert audit_drift.cluster_drift(policy, {"kind": "instance", "found": False}, read) == ["DB instance not found"]

    server_policy = dict(policy, log_export=False)
    preloaded = server_as_resource("ledger", read)
    assert preloaded["engine_version"] == "16.4" and preloaded["kind"] == "self_managed"
    assert audit_drift.cluster_drift(server_policy, preloaded, read) == []
    waiting = dict(read, preloaded=False, shared_preload_libraries=["pg_stat_statements"], pending_restart=True)
    assert audit_drift.cluster_drift(server_policy, server_as_resource("ledger", waiting), waiting) == [
        "pgaudit is not loaded by the server (shared_preload_libraries pg_stat_statements)",
        "server: a changed shared_preload_libraries waits for a restart"]
    unreadable = server_as_resource("ledger", {"failed": True, "msg": "no route"})
    assert audit_drift.cluster_drift(server_policy, unreadable, None) == ["server could not be read"]


def entry(host="orders", kind="cluster", policy=None, facts=None):
    return {"host": host, "kind": kind, "cluster_identifier": host, "policy": policy or POLICY,
            "database": database() if facts is None else facts}


def test_rollout_drift_is_empty_for_a_converged_host_and_names_each_difference_otherwise():
    converged = audit_drift.rollout_drift([entry()], {"orders": aws()}, {})
    assert converged == {"orders": []}
    drifting = audit_drift.rollout_drift([entry()], {"orders": aws(log_export=False)}, {})
    assert drifting == {"orders": ["postgresql log export is off"]}
    missing = audit_drift.rollout_drift([entry()], {}, {})
    assert missing["orders"][0] == "cluster not found"


def test_rollout_drift_goes_beyond_the_report_for_the_audit_role_and_object_auditing():
    policy = dict(POLICY, audit_role="rds_pgaudit")
    without_role = database(audit_roles=[{"name": "rds_pgaudit", "exists": False}])
    assert audit_drift.rollout_drift([entry(policy=policy, facts=without_role)], {"orders": aws()}, {}) == {
        "orders": ["the object auditing role rds_pgaudit does not exist"]}
    with_role = database(audit_roles=[{"name": "rds_pgaudit", "exists": True}])
    assert audit_drift.rollout_drift([entry(policy=policy, facts=with_role)], {"orders": aws()}, {}) == {"orders": []}
    object_audit = dict(policy, object_audit=[{"table": "orders", "classes": ["write"]}])
    drift = audit_drift.rollout_drift([entry(policy=object_audit, facts=with_role)], {"orders": aws()}, {})
    assert drift["orders"] == [
        "object auditing (dbaudit_object_audit) is applied on every run: its grants are not read"]


def test_rollout_drift_reads_a_db_instance_from_the_instances_and_a_server_from_its_database():
    instance = entry(kind="instance", policy=dict(POLICY, das_enabled=False, das_alerting=False))
    assert audit_drift.rollout_drift([instance], {"orders": aws()}, {}) == {"orders": ["DB instance not found"]}
    assert audit_drift.rollout_drift([instance], {}, {"orders": aws(kind="instance")}) == {"orders": []}
    server_policy = dict(POLICY, das_enabled=False, das_alerting=False, log_export=False, pgaudit_alerting=False)
    server = entry(kind="self_managed", policy=server_policy, facts=database(server_version_num=150004))
    assert audit_drift.rollout_drift([server], {}, {}) == {"orders": []}
    unloaded = entry(kind="self_managed", policy=server_policy,
                     facts=database(preloaded=False, shared_preload_libraries=[], server_version_num=150004))
    assert audit_drift.rollout_drift([unloaded], {}, {})["orders"] == [
        "pgaudit is not loaded by the server (shared_preload_libraries )"]


def test_a_parameter_group_that_cannot_be_found_is_drift_not_a_failed_read():
    from ansible_collections.dbaudit.postgresql.plugins.module_utils.fleet_audit_reads import group_facts
    missing = group_facts("default.aurora8.0", None)
    assert missing["found"] is False and missing["shared_preload_libraries"] == []
    assert audit_drift.parameter_drift(POLICY, aws(parameter_group=missing)) == [
        "parameter group default.aurora8.0 could not be read: not found"]
    assert group_facts("g", {"shared_preload_libraries": "pgaudit"})["found"] is True

"""RDS for PostgreSQL (a standalone instance): instance-scope group with pgAudit, attachment, a
single-instance reboot, the postgresql log export on and off; each step idempotent."""

from __future__ import annotations

import contextlib

import pytest

FLOW = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: group
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        scope: instance
        family: postgres15
        preload_libraries: [pgaudit]
        parameters:
          pgaudit.log: ddl
    - name: attach
      dbaudit.postgresql.rds_parameter_group_attachment:
        db_instance_identifier: "{{ instance }}"
        db_parameter_group: "{{ group }}"
    - name: reboot
      dbaudit.postgresql.rds_reboot:
        db_instance_identifier: "{{ instance }}"
    - name: export
      dbaudit.postgresql.rds_log_exports:
        db_instance_identifier: "{{ instance }}"
        state: "{{ export_state }}"
"""


@pytest.fixture
def postgres_instance(rds, unique_name):
    identifier = unique_name("pg")
    rds.create_db_instance(DBInstanceIdentifier=identifier, Engine="postgres", EngineVersion="15.4",
                           DBInstanceClass="db.m6g.large", MasterUsername="dbadmin",
                           MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
    yield identifier
    with contextlib.suppress(Exception):
        rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)


def describe(rds, identifier):
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def test_instance_flow(playbook, rds, postgres_instance, unique_name):
    names = {"instance": postgres_instance, "group": unique_name("inst-"), "export_state": "present"}

    checked = playbook(FLOW, extra_vars=names, check=True)
    # In check mode the group does not exist yet, so the attachment refuses: nothing was created.
    assert checked.result("group")["changed"]
    assert "does not exist" in checked.result("attach")["msg"]
    assert describe(rds, postgres_instance).get("EnabledCloudwatchLogsExports", []) == []

    first = playbook(FLOW, extra_vars=names)
    assert first.rc == 0, first.explain()
    assert first.result("group")["parameters"]["shared_preload_libraries"] == "pg_stat_statements,pgaudit"
    assert first.result("attach")["pending_reboot"] == [postgres_instance]
    assert first.result("reboot")["rebooted"] == [postgres_instance]
    assert first.result("export")["log_groups"] == [f"/aws/rds/instance/{postgres_instance}/postgresql"]
    instance = describe(rds, postgres_instance)
    assert instance["DBParameterGroups"] == [{"DBParameterGroupName": names["group"],
                                              "ParameterApplyStatus": "in-sync"}]
    assert instance["EnabledCloudwatchLogsExports"] == ["postgresql"]

    again = playbook(FLOW, extra_vars=names)
    assert again.rc == 0 and again.changed() == 0, again.explain()

    off = playbook(FLOW, extra_vars={**names, "export_state": "absent"}, diff=True)
    assert off.rc == 0, off.explain()
    assert off.result("export")["changed"] and off.result("export")["enabled_log_types"] == []
    assert off.result("export")["diff"] == {"before": {"enabled_log_types": ["postgresql"]},
                                            "after": {"enabled_log_types": []}}
    assert describe(rds, postgres_instance).get("EnabledCloudwatchLogsExports", []) == []

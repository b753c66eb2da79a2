"""pending-reboot / applying / in-sync, reboots and group attachment on the emulator, as AWS shows them.

What AWS shows after a static change on the attached cluster group (abridged describe_db_clusters):
    "DBClusterMembers": [{"DBInstanceIdentifier": "c-1", "IsClusterWriter": true,
                          "DBClusterParameterGroupStatus": "pending-reboot", "PromotionTier": 1}, ...]
"""

from __future__ import annotations

import re

from emulator_testing import describe_cluster, describe_instance, error_of, member_statuses, wait_until

PRELOAD_WITH_PGAUDIT = [{"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pgaudit",
                         "ApplyMethod": "pending-reboot"}]


def instance_group_status(rds, instance_id):
    groups = describe_instance(rds, instance_id)["DBParameterGroups"]
    assert len(groups) == 1
    return groups[0]["DBParameterGroupName"], groups[0]["ParameterApplyStatus"]


def test_aurora_members_are_realistic(rds, make_cluster):
    cluster = make_cluster(instance_classes=("db.r6g.large", "db.r6g.large", "db.r6g.large"))
    assert re.fullmatch(r"cluster-[A-Z0-9]{26}", cluster["DbClusterResourceId"])
    assert cluster["DBClusterParameterGroup"] == "default.aurora-postgresql15"
    members = cluster["DBClusterMembers"]
    assert [member["IsClusterWriter"] for member in members] == [True, False, False]
    assert {member["DBClusterParameterGroupStatus"] for member in members} == {"in-sync"}
    instances = [describe_instance(rds, member["DBInstanceIdentifier"]) for member in members]
    assert len({instance["DbiResourceId"] for instance in instances}) == 3
    assert {instance["DBParameterGroups"][0]["DBParameterGroupName"] for instance in instances} == {
        "default.aurora-postgresql15"}
    assert {instance["DBInstanceStatus"] for instance in instances} == {"available"}


def test_static_change_needs_a_reboot_of_every_member(rds, make_cluster, make_cluster_group):
    group = make_cluster_group()
    cluster = make_cluster(DBClusterParameterGroupName=group)
    cluster_id = cluster["DBClusterIdentifier"]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=PRELOAD_WITH_PGAUDIT)
    statuses = member_statuses(rds, cluster_id)
    assert set(statuses.values()) == {"pending-reboot"}

    reader, writer = sorted(statuses, reverse=True)
    rebooted = rds.reboot_db_instance(DBInstanceIdentifier=reader)["DBInstance"]
    assert rebooted["DBInstanceStatus"] == "rebooting"
    assert error_of(rds.reboot_db_instance, DBInstanceIdentifier=reader)[:2] == ("InvalidDBInstanceState", 400)
    wait_until(lambda: describe_instance(rds, reader)["DBInstanceStatus"] == "available")
    assert member_statuses(rds, cluster_id) == {reader: "in-sync", writer: "pending-reboot"}

    rds.reboot_db_instance(DBInstanceIdentifier=writer)
    wait_until(lambda: set(member_statuses(rds, cluster_id).values()) == {"in-sync"})


def test_same_value_again_needs_no_reboot(rds, make_cluster, make_cluster_group):
    group = make_cluster_group()
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=PRELOAD_WITH_PGAUDIT)
    cluster = make_cluster(DBClusterParameterGroupName=group)
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=PRELOAD_WITH_PGAUDIT)
    assert set(member_statuses(rds, cluster["DBClusterIdentifier"]).values()) == {"in-sync"}


def test_dynamic_immediate_change_is_applying_then_in_sync(rds, make_cluster, make_cluster_group, emulator_config):
    emulator_config({"delays": {"parameter_apply": 2}})
    group = make_cluster_group()
    cluster_id = make_cluster(DBClusterParameterGroupName=group)["DBClusterIdentifier"]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "pgaudit.log", "ParameterValue": "ddl,role", "ApplyMethod": "immediate"}])
    assert set(member_statuses(rds, cluster_id).values()) == {"applying"}
    wait_until(lambda: set(member_statuses(rds, cluster_id).values()) == {"in-sync"})


def test_dynamic_change_applied_at_reboot_needs_a_reboot(rds, make_cluster, make_cluster_group):
    group = make_cluster_group()
    cluster_id = make_cluster(DBClusterParameterGroupName=group)["DBClusterIdentifier"]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "pgaudit.log", "ParameterValue": "ddl,role", "ApplyMethod": "pending-reboot"}])
    assert set(member_statuses(rds, cluster_id).values()) == {"pending-reboot"}


def test_reboot_db_cluster_reboots_every_member(rds, make_cluster, make_cluster_group):
    group = make_cluster_group()
    cluster_id = make_cluster(DBClusterParameterGroupName=group)["DBClusterIdentifier"]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=PRELOAD_WITH_PGAUDIT)
    answer = rds.reboot_db_cluster(DBClusterIdentifier=cluster_id)["DBCluster"]
    assert answer["DBClusterIdentifier"] == cluster_id and answer["Status"] == "rebooting"
    members = list(member_statuses(rds, cluster_id))
    assert {describe_instance(rds, member)["DBInstanceStatus"] for member in members} == {"rebooting"}
    assert error_of(rds.reboot_db_cluster, DBClusterIdentifier=cluster_id)[:2] == ("InvalidDBClusterStateFault", 400)
    wait_until(lambda: describe_cluster(rds, cluster_id)["Status"] == "available")
    wait_until(lambda: set(member_statuses(rds, cluster_id).values()) == {"in-sync"})
    assert {describe_instance(rds, member)["DBInstanceStatus"] for member in members} == {"available"}
    assert error_of(rds.reboot_db_cluster, DBClusterIdentifier="no-such-cluster")[:2] == (
        "DBClusterNotFoundFault", 404)


def test_attaching_another_cluster_group_needs_a_reboot(rds, make_cluster, make_cluster_group):
    cluster_id = make_cluster()["DBClusterIdentifier"]
    group = make_cluster_group()
    modified = rds.modify_db_cluster(DBClusterIdentifier=cluster_id, DBClusterParameterGroupName=group,
                                     ApplyImmediately=True)["DBCluster"]
    assert modified["DBClusterParameterGroup"] == group
    assert describe_cluster(rds, cluster_id)["DBClusterParameterGroup"] == group
    assert set(member_statuses(rds, cluster_id).values()) == {"pending-reboot"}

    missing = error_of(rds.modify_db_cluster, DBClusterIdentifier=cluster_id, DBClusterParameterGroupName="nope")
    assert missing[:2] == ("DBClusterParameterGroupNotFound", 404)
    other_family = make_cluster_group("aurora-postgresql16")
    assert error_of(rds.modify_db_cluster, DBClusterIdentifier=cluster_id,
                    DBClusterParameterGroupName=other_family)[0] == "InvalidParameterCombination"
    assert error_of(rds.modify_db_cluster, DBClusterIdentifier="no-such-cluster",
                    DBClusterParameterGroupName=group)[:2] == ("DBClusterNotFoundFault", 404)


def test_attaching_an_instance_group_and_changing_it(rds, make_cluster, unique_name):
    cluster = make_cluster(instance_classes=("db.r6g.large",))
    writer = cluster["DBClusterMembers"][0]["DBInstanceIdentifier"]
    group = unique_name("pg-")
    rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily="aurora-postgresql15",
                                  Description="instance group")
    rds.modify_db_instance(DBInstanceIdentifier=writer, DBParameterGroupName=group, ApplyImmediately=True)
    assert instance_group_status(rds, writer) == (group, "pending-reboot")
    rds.reboot_db_instance(DBInstanceIdentifier=writer)
    wait_until(lambda: instance_group_status(rds, writer) == (group, "in-sync"))

    rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pgaudit",
         "ApplyMethod": "pending-reboot"}])
    assert instance_group_status(rds, writer) == (group, "pending-reboot")
    assert member_statuses(rds, cluster["DBClusterIdentifier"]) == {writer: "in-sync"}


def test_rds_for_postgresql_instance(rds, unique_name):
    instance_id, group = unique_name("pg-i-"), unique_name("pg-")
    rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily="postgres15",
                                  Description="rds instance group")
    created = rds.create_db_instance(DBInstanceIdentifier=instance_id, Engine="postgres", EngineVersion="15.4",
                                     DBInstanceClass="db.t3.micro", MasterUsername="postgres",
                                     MasterUserPassword="not-used-1", AllocatedStorage=20,
                                     DBParameterGroupName=group)["DBInstance"]
    try:
        assert created["DBParameterGroups"] == [{"DBParameterGroupName": group, "ParameterApplyStatus": "in-sync"}]
        rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "pending-reboot"}])
        assert instance_group_status(rds, instance_id) == (group, "pending-reboot")
        rds.reboot_db_instance(DBInstanceIdentifier=instance_id)
        wait_until(lambda: instance_group_status(rds, instance_id) == (group, "in-sync"))
        aurora_group = error_of(rds.modify_db_instance, DBInstanceIdentifier=instance_id,
                                DBParameterGroupName="default.aurora-postgresql15")
        assert aurora_group[0] == "InvalidParameterCombination"
    finally:
        rds.delete_db_instance(DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True)


def test_creating_a_cluster_with_a_missing_or_foreign_group_fails(rds, unique_name, make_cluster_group):
    for group, code in [(unique_name("nope-"), "DBClusterParameterGroupNotFound"),
                        (make_cluster_group("aurora-postgresql16"), "InvalidParameterCombination")]:
        cluster_id = unique_name("c-")
        assert error_of(rds.create_db_cluster, DBClusterIdentifier=cluster_id, Engine="aurora-postgresql",
                        EngineVersion="15.4", MasterUsername="postgres", MasterUserPassword="not-used-1",
                        DBClusterParameterGroupName=group)[0] == code
        assert error_of(rds.describe_db_clusters, DBClusterIdentifier=cluster_id)[0] == "DBClusterNotFoundFault"


def test_resetting_a_static_value_on_an_attached_group_needs_a_reboot(rds, make_cluster, make_cluster_group):
    group = make_cluster_group()
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=PRELOAD_WITH_PGAUDIT)
    cluster_id = make_cluster(DBClusterParameterGroupName=group)["DBClusterIdentifier"]
    assert set(member_statuses(rds, cluster_id).values()) == {"in-sync"}
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName=group, ResetAllParameters=True)
    assert set(member_statuses(rds, cluster_id).values()) == {"pending-reboot"}

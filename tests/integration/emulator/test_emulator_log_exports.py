"""CloudwatchLogsExportConfiguration on the emulator takes effect, on clusters and RDS instances, as on AWS."""

from __future__ import annotations

from emulator_testing import describe_cluster, describe_instance, error_of


def test_cluster_log_export_is_enabled_and_disabled(rds, make_cluster):
    cluster = make_cluster()
    cluster_id = cluster["DBClusterIdentifier"]
    assert cluster["EnabledCloudwatchLogsExports"] == []

    enabled = rds.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True,
                                    CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql"]})["DBCluster"]
    assert enabled["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert describe_cluster(rds, cluster_id)["EnabledCloudwatchLogsExports"] == ["postgresql"]
    members = [member["DBInstanceIdentifier"] for member in cluster["DBClusterMembers"]]
    assert [describe_instance(rds, member)["EnabledCloudwatchLogsExports"] for member in members] == [
        ["postgresql"], ["postgresql"]]

    rds.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True,
                          CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql"]})
    assert describe_cluster(rds, cluster_id)["EnabledCloudwatchLogsExports"] == ["postgresql"]

    rds.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True,
                          CloudwatchLogsExportConfiguration={"DisableLogTypes": ["postgresql"]})
    assert describe_cluster(rds, cluster_id).get("EnabledCloudwatchLogsExports", []) == []
    rds.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True,
                          CloudwatchLogsExportConfiguration={"DisableLogTypes": ["postgresql"]})


def test_log_types_the_engine_lacks_are_refused(rds, make_cluster):
    cluster_id = make_cluster()["DBClusterIdentifier"]
    code, status, message = error_of(rds.modify_db_cluster, DBClusterIdentifier=cluster_id,
                                     CloudwatchLogsExportConfiguration={"EnableLogTypes": ["audit"]})
    assert (code, status) == ("InvalidParameterCombination", 400) and "'audit'" in message
    assert describe_cluster(rds, cluster_id).get("EnabledCloudwatchLogsExports", []) == []


def test_aurora_instances_take_log_exports_from_their_cluster(rds, make_cluster):
    writer = make_cluster(instance_classes=("db.r6g.large",))["DBClusterMembers"][0]["DBInstanceIdentifier"]
    code, _unused, _unused = error_of(rds.modify_db_instance, DBInstanceIdentifier=writer,
                                      CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql"]})
    assert code == "InvalidParameterCombination"


def test_rds_instance_log_export(rds, unique_name):
    instance_id = unique_name("pg-i-")
    rds.create_db_instance(DBInstanceIdentifier=instance_id, Engine="postgres", EngineVersion="15.4",
                           DBInstanceClass="db.m6g.large", MasterUsername="postgres", MasterUserPassword="not-used-1",
                           AllocatedStorage=20)
    try:
        modified = rds.modify_db_instance(
            DBInstanceIdentifier=instance_id, ApplyImmediately=True,
            CloudwatchLogsExportConfiguration={"EnableLogTypes": ["postgresql", "upgrade"]})["DBInstance"]
        assert modified["EnabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
        rds.modify_db_instance(DBInstanceIdentifier=instance_id, ApplyImmediately=True,
                               CloudwatchLogsExportConfiguration={"DisableLogTypes": ["upgrade", "postgresql"]})
        assert describe_instance(rds, instance_id).get("EnabledCloudwatchLogsExports", []) == []
        # Disabling what is not enabled is not an error on AWS.
        rds.modify_db_instance(DBInstanceIdentifier=instance_id, ApplyImmediately=True,
                               CloudwatchLogsExportConfiguration={"DisableLogTypes": ["postgresql"]})
    finally:
        rds.delete_db_instance(DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True)

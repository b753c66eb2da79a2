"""enable_audit on Aurora PostgreSQL 13, 16 and 17 clusters that start on their default.aurora-postgresqlNN group:
no dbaudit_family is given, the copy is of the cluster's own family, it is attached, the instances rebooted and
the extension created; the preflight table names family and pgAudit release; a version pgAudit's releases do
not cover (12) is refused before anything changes; the second run changes nothing."""

from __future__ import annotations

from fleet_testing import make_cluster, run_once_result, write_inventory
from harness import CHECKOUT, run_playbook

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
PREFLIGHT = "Check every cluster at once (engine, version, status, instance classes, DAS support, KMS key)"
VERSIONS = {"13.12": ("aurora-postgresql13", "1.5"), "16.2": ("aurora-postgresql16", "16"),
            "17.4": ("aurora-postgresql17", "17")}


def test_clusters_of_13_16_and_17_get_a_group_of_their_own_family(sandbox_env, aws_client, tmp_path, unique_name,
                                                                  pg_connect):
    rds = aws_client("rds")
    names = {version: unique_name(f"pg{version.split('.')[0]}-") for version in VERSIONS}
    old = unique_name("pg12-")
    for version, name in names.items():
        make_cluster(rds, name, engine_version=version)
        [cluster] = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"]
        assert cluster["DBClusterParameterGroup"] == f"default.{VERSIONS[version][0]}"
    make_cluster(rds, old, engine_version="12.19")
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {name: {"dbaudit_das_enabled": False}
                                             for name in list(names.values()) + [old]})

    first = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars={"dbaudit_skip_failing_hosts": True})

    assert first.rc == 0, first.explain()
    preflight = run_once_result(first, PREFLIGHT)
    assert preflight["failing_hosts"] == [old]
    assert preflight["hosts"][old]["problems"][0].startswith("engine version 12.19 is not supported")
    table = "\n".join(preflight["table"])
    for version, name in names.items():
        family, release = VERSIONS[version]
        assert preflight["hosts"][name]["family"] == family
        assert f"{version} ({family}, pgAudit {release}, DAS)" in table
        [cluster] = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"]
        assert cluster["DBClusterParameterGroup"] == f"{name}-dbaudit"
        [group] = rds.describe_db_cluster_parameter_groups(
            DBClusterParameterGroupName=cluster["DBClusterParameterGroup"])["DBClusterParameterGroups"]
        assert group["DBParameterGroupFamily"] == family
        assert {m["DBClusterParameterGroupStatus"] for m in cluster["DBClusterMembers"]} == {"in-sync"}
        assert first.changed(name) > 0
    [untouched] = rds.describe_db_clusters(DBClusterIdentifier=old)["DBClusters"]
    assert untouched["DBClusterParameterGroup"].startswith("default.") and first.changed(old) == 0
    with pg_connect().cursor() as cur:  # every sandbox cluster's database is the server's postgres database
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pgaudit'")
        assert cur.fetchone()

    second = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars={"dbaudit_skip_failing_hosts": True})

    assert second.rc == 0, second.explain()
    assert {name: second.changed(name) for name in names.values()} == {name: 0 for name in names.values()}

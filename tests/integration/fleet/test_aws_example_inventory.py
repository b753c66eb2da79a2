"""The example AWS inventory groups clusters by their audit_profile tag (run against the emulator)."""

from __future__ import annotations

import json
import subprocess

import yaml

from harness import BIN, CHECKOUT, ansible_env


def test_clusters_are_targets_grouped_by_tag_and_instances_are_not(sandbox_env, aws_client, tmp_path, unique_name):
    rds = aws_client("rds")
    strict, untagged = unique_name("inv-strict-"), unique_name("inv-none-")
    for cluster_id, tags in ((strict, [{"Key": "audit_profile", "Value": "strict"}]), (untagged, [])):
        rds.create_db_cluster(DBClusterIdentifier=cluster_id, Engine="aurora-postgresql", EngineVersion="15.4",
                              MasterUsername="postgres", MasterUserPassword="not-used-here", Tags=tags)
        rds.create_db_instance(DBInstanceIdentifier=f"{cluster_id}-1", DBClusterIdentifier=cluster_id,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")

    config = yaml.safe_load((CHECKOUT / "inventories/aws_example/aws_rds.yml").read_text(encoding="utf-8"))
    config["regions"] = [sandbox_env["aws"]["region"]]
    config["statuses"] = ["all"]
    source = tmp_path / "aws_rds.yml"
    source.write_text(yaml.safe_dump(config), encoding="utf-8")
    out = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(source), "--list"], capture_output=True,
                         text=True, env=ansible_env(sandbox_env), cwd=CHECKOUT, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    inventory = json.loads(out.stdout)
    targets = set(inventory["dbaudit_targets"]["hosts"])
    assert {strict, untagged} <= targets
    assert f"{strict}-1" not in targets
    assert strict in inventory["audit_profile_strict"]["hosts"]
    assert untagged in inventory["audit_profile_untagged"]["hosts"]
    cluster_id = inventory["_meta"]["hostvars"][strict]["dbaudit_cluster_id"]
    # ansible-inventory marks values that came from outside as unsafe: {"__ansible_unsafe": value}
    assert (cluster_id.get("__ansible_unsafe") if isinstance(cluster_id, dict) else cluster_id) == strict

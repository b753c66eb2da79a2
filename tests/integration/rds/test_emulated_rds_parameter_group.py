"""rds_parameter_group through ansible-playbook against the emulator: the shared_preload_libraries
merge keeps what is there, check mode and reruns change nothing, and bad parameters fail before
any change (read back to prove it)."""

from __future__ import annotations

from rds_readback import cluster_parameter

MERGE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: merge
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        preload_libraries: [pgaudit]
        parameters:
          pgaudit.log: ddl
"""

EXISTING = "pg_stat_statements,pg_hint_plan"


def group_names(rds) -> list[str]:
    paginator = rds.get_paginator("describe_db_cluster_parameter_groups")
    return [g["DBClusterParameterGroupName"] for page in paginator.paginate()
            for g in page["DBClusterParameterGroups"]]


def test_pgaudit_is_added_keeping_the_libraries_already_preloaded(playbook, rds, make_group, make_cluster):
    group = make_group({"shared_preload_libraries": EXISTING})
    cluster = make_cluster(instance_classes=("db.r6g.large",), parameter_group=group)
    names = {"group": group}

    checked = playbook(MERGE, extra_vars=names, check=True, diff=True)
    assert checked.rc == 0, checked.explain()
    result = checked.result("merge")
    assert result["changed"] and result["reboot_required"]
    assert result["diff"]["before"]["parameters"]["shared_preload_libraries"] == EXISTING
    assert result["diff"]["after"]["parameters"]["shared_preload_libraries"] == EXISTING + ",pgaudit"
    assert cluster_parameter(rds, group, "shared_preload_libraries") == EXISTING  # check mode changed nothing
    assert cluster_parameter(rds, group, "pgaudit.log") is None

    applied = playbook(MERGE, extra_vars=names)
    assert applied.rc == 0, applied.explain()
    result = applied.result("merge")
    assert result["changed"] and result["reboot_required"]
    by_name = {c["name"]: c for c in result["changed_parameters"]}
    assert by_name["shared_preload_libraries"]["apply_method"] == "pending-reboot"
    assert by_name["pgaudit.log"]["apply_method"] == "immediate"
    assert cluster_parameter(rds, group, "shared_preload_libraries") == EXISTING + ",pgaudit"
    assert cluster_parameter(rds, group, "pgaudit.log") == "ddl"
    member = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterMembers"][0]
    assert member["DBClusterParameterGroupStatus"] == "pending-reboot"

    for check in (False, True):
        rerun = playbook(MERGE, extra_vars=names, check=check)
        assert rerun.rc == 0, rerun.explain()
        assert not rerun.result("merge")["changed"], rerun.result("merge")
        assert rerun.result("merge")["parameters"]["shared_preload_libraries"] == EXISTING + ",pgaudit"
    assert cluster_parameter(rds, group, "shared_preload_libraries") == EXISTING + ",pgaudit"


def test_engine_default_is_the_base_of_the_merge_and_a_new_group_is_created(playbook, rds, unique_name):
    group = unique_name("fresh-")
    play = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: create
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        family: aurora-postgresql16
        preload_libraries: [pgaudit, pg_stat_statements]
"""
    checked = playbook(play, extra_vars={"group": group}, check=True)
    assert checked.rc == 0, checked.explain()
    assert checked.result("create")["changed"]
    assert group not in group_names(rds)

    created = playbook(play, extra_vars={"group": group})
    assert created.rc == 0, created.explain()
    assert created.result("create")["parameters"]["shared_preload_libraries"] == "pg_stat_statements,pgaudit"
    assert cluster_parameter(rds, group, "shared_preload_libraries") == "pg_stat_statements,pgaudit"
    again = playbook(play, extra_vars={"group": group})
    assert again.rc == 0 and not again.result("create")["changed"], again.explain()

    deleted = playbook(f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: delete
      dbaudit.postgresql.rds_parameter_group:
        name: {group}
        state: absent
""")
    assert deleted.rc == 0 and deleted.result("delete")["changed"], deleted.explain()
    assert group not in group_names(rds)


BAD = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: bad
      dbaudit.postgresql.rds_parameter_group:
        name: "{{ group }}"
        source_group: "{{ source | default(omit) }}"
        preload_libraries: "{{ libraries | default([]) }}"
        parameters: "{{ parameters }}"
"""


def _fails_naming(run, *fragments):
    assert run.rc != 0, run.explain()
    result = run.result("bad")
    assert result.get("failed") and not result.get("changed"), result
    for fragment in fragments:
        assert fragment in result["msg"], result["msg"]
    return result


def test_bad_parameters_fail_clearly_and_change_nothing(playbook, rds, make_group, unique_name):
    group = make_group({"shared_preload_libraries": EXISTING})
    # A valid change beside each bad one: it must not be applied either.
    cases = [
        ({"pgaudit.logg": "ddl", "pgaudit.log": "ddl"}, ["pgaudit.logg", "did you mean pgaudit.log"]),
        ({"pgaudit.log": "ddl,everything"}, ["pgaudit.log", "everything"]),
        ({"log_min_duration_statement": "soon", "pgaudit.log": "ddl"}, ["log_min_duration_statement", "integer"]),
        ({"pgaudit.role": "someone", "pgaudit.log": "ddl"}, ["pgaudit.role", "rds_pgaudit"]),
    ]
    for parameters, fragments in cases:
        run = playbook(BAD, extra_vars={"group": group, "parameters": parameters, "libraries": ["pgaudit"]})
        result = _fails_naming(run, *fragments, "Nothing was changed")
        assert result["errors"], result
        assert cluster_parameter(rds, group, "shared_preload_libraries") == EXISTING
        assert cluster_parameter(rds, group, "pgaudit.log") is None

    bad_library = playbook(BAD, extra_vars={"group": group, "parameters": {}, "libraries": ["pgauditt"]})
    _fails_naming(bad_library, "shared_preload_libraries", "pgauditt")
    assert cluster_parameter(rds, group, "shared_preload_libraries") == EXISTING

    # A group to be copied is not created when its parameters are bad.
    new_group = unique_name("never-")
    run = playbook(BAD, extra_vars={"group": new_group, "source": group, "parameters": {"pgaudit.logg": "ddl"}})
    _fails_naming(run, "pgaudit.logg")
    assert new_group not in group_names(rds)


def test_default_groups_are_refused(playbook, rds):
    run = playbook(BAD, extra_vars={"group": "default.aurora-postgresql15", "parameters": {"pgaudit.log": "ddl"}})
    _fails_naming(run, "default group", "source_group")
    assert cluster_parameter(rds, "default.aurora-postgresql15", "pgaudit.log") is None

"""Parameter groups on the emulator behave as on AWS: defaults, Source, pagination, validation, reset, copy, delete."""

from __future__ import annotations

import pytest
from emulator_testing import all_parameters, error_of

AURORA_LIBRARIES = "pg_stat_statements"


def by_name(parameters):
    return {parameter["ParameterName"]: parameter for parameter in parameters}


def test_default_groups_exist_and_describe_every_parameter_of_the_family(rds):
    groups = rds.describe_db_cluster_parameter_groups(
        DBClusterParameterGroupName="default.aurora-postgresql15")["DBClusterParameterGroups"]
    assert [(g["DBClusterParameterGroupName"], g["DBParameterGroupFamily"]) for g in groups] == [
        ("default.aurora-postgresql15", "aurora-postgresql15")]

    first = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="default.aurora-postgresql15")
    assert len(first["Parameters"]) == 100 and first["Marker"]
    parameters = by_name(all_parameters(rds, DBClusterParameterGroupName="default.aurora-postgresql15"))
    assert len(parameters) > 300
    preload = parameters["shared_preload_libraries"]
    assert preload["ParameterValue"] == AURORA_LIBRARIES
    assert (preload["Source"], preload["ApplyType"], preload["DataType"], preload["IsModifiable"]) == (
        "system", "static", "list", True)
    assert "pgaudit" in preload["AllowedValues"].split(",")
    pgaudit = {name for name in parameters if name.startswith("pgaudit.")}
    assert pgaudit == {"pgaudit.log", "pgaudit.log_catalog", "pgaudit.log_level", "pgaudit.log_parameter",
                       "pgaudit.log_relation", "pgaudit.log_statement_once", "pgaudit.role"}
    assert parameters["rds.force_ssl"]["ApplyType"] == "dynamic"
    assert parameters["log_line_prefix"]["IsModifiable"] is False


def test_describe_pages_with_max_records_and_refuses_sizes_aws_refuses(rds):
    page = rds.describe_db_parameters(DBParameterGroupName="default.postgres15", MaxRecords=20)
    assert len(page["Parameters"]) == 20
    following = rds.describe_db_parameters(DBParameterGroupName="default.postgres15", MaxRecords=20,
                                           Marker=page["Marker"])
    assert following["Parameters"][0]["ParameterName"] > page["Parameters"][-1]["ParameterName"]
    for size in (10, 101):
        code, status, _unused = error_of(rds.describe_db_parameters, DBParameterGroupName="default.postgres15",
                                         MaxRecords=size)
        assert (code, status) == ("InvalidParameterValue", 400)


def test_engine_defaults_for_every_family(rds):
    for family in ("aurora-postgresql15", "aurora-postgresql16"):
        defaults = rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily=family)["EngineDefaults"]
        assert defaults["DBParameterGroupFamily"] == family and len(defaults["Parameters"]) == 100
    for family in ("aurora-postgresql15", "aurora-postgresql16", "postgres15", "postgres16"):
        pages = rds.get_paginator("describe_engine_default_parameters").paginate(DBParameterGroupFamily=family)
        names = {p["ParameterName"] for page in pages for p in page["EngineDefaults"]["Parameters"]}
        assert {"shared_preload_libraries", "pgaudit.log", "log_connections"} <= names, family


@pytest.mark.parametrize("family", ["aurora-postgresql16", "postgres16"])
def test_sixteen_families_rename_and_add_parameters(rds, family):
    names = {p["ParameterName"] for p in all_parameters(rds, DBParameterGroupName=f"default.{family}")}
    assert "debug_parallel_query" in names and "force_parallel_mode" not in names
    assert "vacuum_buffer_usage_limit" in names and "vacuum_defer_cleanup_age" not in names


def test_aurora_sixteen_allows_the_second_log_line_prefix(rds, make_cluster_group):
    prefix = "%m:%r:%u@%d:[%p]:%l:%e:%s:%v:%x:%c:%q%a"
    fifteen, sixteen = make_cluster_group("aurora-postgresql15"), make_cluster_group("aurora-postgresql16")
    change = [{"ParameterName": "log_line_prefix", "ParameterValue": prefix, "ApplyMethod": "immediate"}]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=sixteen, Parameters=change)
    assert by_name(all_parameters(rds, DBClusterParameterGroupName=sixteen))["log_line_prefix"]["ParameterValue"] == (
        prefix)
    code, _unused, message = error_of(rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName=fifteen,
                                      Parameters=change)
    assert code == "InvalidParameterValue" and "log_line_prefix cannot be modified" in message


def test_user_values_overlay_engine_defaults_and_filter_by_source(rds, make_cluster_group):
    group = make_cluster_group()
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pgaudit",
         "ApplyMethod": "pending-reboot"},
        {"ParameterName": "pgaudit.log", "ParameterValue": "ddl,role", "ApplyMethod": "immediate"},
    ])
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"], p["ApplyMethod"], p["ApplyType"]) for p in user] == [
        ("pgaudit.log", "ddl,role", "immediate", "dynamic"),
        ("shared_preload_libraries", "pg_stat_statements,pgaudit", "pending-reboot", "static")]
    everything = by_name(all_parameters(rds, DBClusterParameterGroupName=group))
    assert everything["pgaudit.log_catalog"]["Source"] == "engine-default"
    system = rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, Source="system")["Parameters"]
    assert system and {p["Source"] for p in system} == {"system"}


@pytest.mark.parametrize(("change", "code", "text"), [
    ({"ParameterName": "pgaudit.logg", "ParameterValue": "all", "ApplyMethod": "immediate"},
     "InvalidParameterValue", "Could not find parameter with name: pgaudit.logg"),
    ({"ParameterName": "log_line_prefix", "ParameterValue": "%t:", "ApplyMethod": "immediate"},
     "InvalidParameterValue", "cannot be modified"),
    ({"ParameterName": "shared_preload_libraries", "ParameterValue": "pgaudit", "ApplyMethod": "immediate"},
     "InvalidParameterCombination", "cannot use immediate apply method for static parameter"),
    ({"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pgaudit2",
      "ApplyMethod": "pending-reboot"},
     "InvalidParameterValue", "Invalid parameter value: pg_stat_statements,pgaudit2"),
    ({"ParameterName": "pgaudit.log", "ParameterValue": "ddl,everything", "ApplyMethod": "immediate"},
     "InvalidParameterValue", "allowed values are"),
    ({"ParameterName": "pgaudit.role", "ParameterValue": "auditor", "ApplyMethod": "immediate"},
     "InvalidParameterValue", "allowed values are: rds_pgaudit"),
    ({"ParameterName": "rds.force_ssl", "ParameterValue": "2", "ApplyMethod": "immediate"},
     "InvalidParameterValue", "allowed values are: 0,1"),
    ({"ParameterName": "log_min_duration_statement", "ParameterValue": "-5", "ApplyMethod": "immediate"},
     "InvalidParameterValue", "Invalid parameter value: -5"),
])
def test_invalid_modifications_are_refused_and_change_nothing(rds, make_cluster_group, change, code, text):
    group = make_cluster_group()
    valid = {"ParameterName": "pgaudit.log_catalog", "ParameterValue": "0", "ApplyMethod": "immediate"}
    found_code, status, message = error_of(rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName=group,
                                           Parameters=[valid, change])
    assert (found_code, status) == (code, 400) and text in message
    assert rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, Source="user")["Parameters"] == []


def test_list_values_are_checked_element_by_element(rds, make_cluster_group):
    group = make_cluster_group()
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "pgaudit.log", "ParameterValue": "all, -misc", "ApplyMethod": "immediate"},
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pg_hint_plan,pgaudit",
         "ApplyMethod": "pending-reboot"},
    ])
    user = by_name(rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, Source="user")["Parameters"])
    assert user["pgaudit.log"]["ParameterValue"] == "all, -misc"
    assert user["shared_preload_libraries"]["ParameterValue"] == "pg_stat_statements,pg_hint_plan,pgaudit"


def test_more_than_twenty_parameters_in_one_call_are_refused(rds, make_cluster_group):
    group = make_cluster_group()
    names = [p["ParameterName"] for p in all_parameters(rds, DBClusterParameterGroupName=group)
             if p["DataType"] == "boolean" and p["IsModifiable"] and p["ApplyType"] == "dynamic"][:21]
    change = [{"ParameterName": name, "ParameterValue": "1", "ApplyMethod": "immediate"} for name in names]
    code, status, message = error_of(rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName=group,
                                     Parameters=change)
    assert (code, status, message) == ("InvalidParameterCombination", 400,
                                       "Cannot modify more than 20 parameters in a single request")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=change[:20])


def test_default_groups_cannot_be_modified_or_deleted(rds):
    change = [{"ParameterName": "pgaudit.log", "ParameterValue": "ddl", "ApplyMethod": "immediate"}]
    assert error_of(rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName="default.aurora-postgresql15",
                    Parameters=change) == ("InvalidParameterValue", 400, "Cannot modify a default parameter group.")
    assert error_of(rds.modify_db_parameter_group, DBParameterGroupName="default.postgres15",
                    Parameters=change)[0] == "InvalidParameterValue"
    assert error_of(rds.delete_db_parameter_group, DBParameterGroupName="default.postgres15")[:2] == (
        "InvalidDBParameterGroupState", 400)
    assert error_of(rds.delete_db_cluster_parameter_group,
                    DBClusterParameterGroupName="default.aurora-postgresql15")[:2] == (
        "InvalidDBParameterGroupState", 400)


def test_unknown_group_names_are_not_found(rds, unique_name):
    missing = unique_name("missing-")
    for call, kwargs in [
        (rds.describe_db_parameter_groups, {"DBParameterGroupName": missing}),
        (rds.describe_db_cluster_parameter_groups, {"DBClusterParameterGroupName": missing}),
        (rds.describe_db_parameters, {"DBParameterGroupName": missing}),
        (rds.describe_db_cluster_parameters, {"DBClusterParameterGroupName": missing}),
        (rds.modify_db_cluster_parameter_group, {"DBClusterParameterGroupName": missing, "Parameters": [
            {"ParameterName": "pgaudit.log", "ParameterValue": "ddl", "ApplyMethod": "immediate"}]}),
        (rds.reset_db_parameter_group, {"DBParameterGroupName": missing, "ResetAllParameters": True}),
        (rds.delete_db_cluster_parameter_group, {"DBClusterParameterGroupName": missing}),
        (rds.copy_db_cluster_parameter_group, {"SourceDBClusterParameterGroupIdentifier": missing,
                                               "TargetDBClusterParameterGroupIdentifier": unique_name("t-"),
                                               "TargetDBClusterParameterGroupDescription": "copy"}),
    ]:
        code, status, message = error_of(call, **kwargs)
        assert (code, status) == ("DBParameterGroupNotFound", 404), call.__name__
        assert missing in message
    with pytest.raises(rds.exceptions.DBParameterGroupNotFoundFault):
        rds.describe_db_parameter_groups(DBParameterGroupName=missing)


def test_copy_keeps_family_and_user_values_and_default_groups_can_be_copied(rds, make_cluster_group, unique_name):
    source = make_cluster_group()
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=source, Parameters=[
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pg_hint_plan",
         "ApplyMethod": "pending-reboot"}])
    target = unique_name("copy-")
    copied = rds.copy_db_cluster_parameter_group(
        SourceDBClusterParameterGroupIdentifier=source, TargetDBClusterParameterGroupIdentifier=target,
        TargetDBClusterParameterGroupDescription="copy")["DBClusterParameterGroup"]
    assert (copied["DBClusterParameterGroupName"], copied["DBParameterGroupFamily"]) == (target, "aurora-postgresql15")
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName=target, Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"]) for p in user] == [
        ("shared_preload_libraries", "pg_stat_statements,pg_hint_plan")]

    off_default = unique_name("db-copy-")
    group = rds.copy_db_parameter_group(SourceDBParameterGroupIdentifier="default.postgres15",
                                        TargetDBParameterGroupIdentifier=off_default,
                                        TargetDBParameterGroupDescription="custom")["DBParameterGroup"]
    assert group["DBParameterGroupFamily"] == "postgres15"
    preload = by_name(all_parameters(rds, DBParameterGroupName=off_default))["shared_preload_libraries"]
    assert (preload["ParameterValue"], preload["Source"]) == ("pg_stat_statements", "system")
    assert error_of(rds.copy_db_parameter_group, SourceDBParameterGroupIdentifier="default.postgres15",
                    TargetDBParameterGroupIdentifier=off_default,
                    TargetDBParameterGroupDescription="again")[0] == "DBParameterGroupAlreadyExists"


def test_reset_named_parameters_or_all_of_them(rds, make_cluster_group):
    group = make_cluster_group()
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements,pgaudit",
         "ApplyMethod": "pending-reboot"},
        {"ParameterName": "pgaudit.log", "ParameterValue": "ddl", "ApplyMethod": "immediate"},
        {"ParameterName": "log_connections", "ParameterValue": "1", "ApplyMethod": "immediate"}])

    answer = rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "pgaudit.log", "ApplyMethod": "immediate"}])
    assert answer["DBClusterParameterGroupName"] == group
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, Source="user")["Parameters"]
    assert {p["ParameterName"] for p in user} == {"shared_preload_libraries", "log_connections"}
    assert error_of(rds.reset_db_cluster_parameter_group, DBClusterParameterGroupName=group, Parameters=[
        {"ParameterName": "nonsense", "ApplyMethod": "immediate"}])[0] == "InvalidParameterValue"
    assert error_of(rds.reset_db_cluster_parameter_group, DBClusterParameterGroupName=group, ResetAllParameters=True,
                    Parameters=[{"ParameterName": "log_connections"}])[0] == "InvalidParameterCombination"

    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName=group, ResetAllParameters=True)
    assert rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group, Source="user")["Parameters"] == []
    preload = by_name(all_parameters(rds, DBClusterParameterGroupName=group))["shared_preload_libraries"]
    assert (preload["ParameterValue"], preload["Source"]) == (AURORA_LIBRARIES, "system")


def test_groups_in_use_cannot_be_deleted(rds, make_cluster, make_cluster_group, unique_name):
    cluster_group = make_cluster_group()
    instance_group = unique_name("pg-")
    rds.create_db_parameter_group(DBParameterGroupName=instance_group, DBParameterGroupFamily="aurora-postgresql15",
                                  Description="instances")
    cluster = make_cluster(DBClusterParameterGroupName=cluster_group)
    writer = cluster["DBClusterMembers"][0]["DBInstanceIdentifier"]
    rds.modify_db_instance(DBInstanceIdentifier=writer, DBParameterGroupName=instance_group, ApplyImmediately=True)

    code, status, message = error_of(rds.delete_db_cluster_parameter_group, DBClusterParameterGroupName=cluster_group)
    assert (code, status) == ("InvalidDBParameterGroupState", 400) and "still members" in message
    code, status, message = error_of(rds.delete_db_parameter_group, DBParameterGroupName=instance_group)
    assert (code, status) == ("InvalidDBParameterGroupState", 400)
    assert message == (f"One or more database instances are still members of this parameter group {instance_group}, "
                       "so the group cannot be deleted")

    unused = make_cluster_group()
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName=unused)
    assert error_of(rds.describe_db_cluster_parameter_groups, DBClusterParameterGroupName=unused)[1] == 404

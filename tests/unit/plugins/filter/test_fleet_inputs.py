"""filter/fleet_inputs (module_utils.fleet_inputs): what the playbooks hand their fleet-wide tasks, shaped from every
host's variables - the kinds, the roles' variables (the inventory over the roles' defaults), the policies, the
database servers, the preflight's inputs and targets, and what the fleet read asks for. Plain dicts stand for
hostvars; the booleans and integers the inventory gives as strings read as Jinja's | bool and | int read them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible.errors import AnsibleFilterError  # noqa: E402
from ansible.plugins.filter.core import to_bool  # noqa: E402
from jinja2.filters import do_int  # noqa: E402

from ansible_collections.dbaudit.postgresql.plugins.filter import fleet_inputs as filters  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import fleet_inputs  # noqa: E402

PGAUDIT_DEFAULTS = dict(yaml.safe_load((CHECKOUT / "roles/audit_profiles/defaults/main.yml").read_text()),
                        **yaml.safe_load((CHECKOUT / "roles/pgaudit/defaults/main.yml").read_text()))
DAS_DEFAULTS = yaml.safe_load((CHECKOUT / "roles/activity_stream/defaults/main.yml").read_text())
PGAUDIT_NAMES = ["dbaudit_audit_profiles", "dbaudit_parameter_group_name", "dbaudit_preload_libraries",
                 "dbaudit_pgaudit_parameters", "dbaudit_reboot_policy", "dbaudit_log_export",
                 "dbaudit_log_retention_days", "dbaudit_databases", "dbaudit_audit_role", "dbaudit_role_policies",
                 "dbaudit_object_audit"]
DAS_NAMES = ["dbaudit_das_state", "dbaudit_das_mode", "dbaudit_das_kms_key_id", "dbaudit_das_key_alias",
             "dbaudit_das_apply_immediately"]
RUN_INPUT_VARIABLES = yaml.safe_load((CHECKOUT / "playbooks/vars/run_inputs.yml").read_text())[
    "dbaudit_run_input_variables"]


def pgaudit_variables(hostvars):
    return filters.role_variables(list(hostvars), hostvars, PGAUDIT_DEFAULTS, PGAUDIT_NAMES)


def das_variables(hostvars):
    return filters.role_variables(list(hostvars), hostvars, DAS_DEFAULTS, DAS_NAMES)


@pytest.mark.parametrize("value", [True, False, 0, 1, 2, "yes", "No", "ON", "off", "TRUE", "false", "1", "0", "y",
                                   "", None, 1.0, 0.0, [], ["x"]])
def test_as_bool_reads_a_value_as_the_bool_filter_does(value):
    assert fleet_inputs.as_bool(value) is to_bool(value)


@pytest.mark.parametrize("value", [30, "30", " 7 ", "7.9", 7.9, True, "x", None, ""])
def test_as_int_reads_a_value_as_the_int_filter_does(value):
    assert fleet_inputs.as_int(value) == do_int(value)


def test_target_kinds_read_dbaudit_target_then_the_engine():
    hostvars = {
        "unset": {},
        "rds": {"dbaudit_target": "rds"},
        "aurora": {"dbaudit_target": "aurora_cluster"},
        "instance": {"dbaudit_target": "rds_instance"},
        "own": {"dbaudit_target": "self_managed"},
        "from-plugin": {"engine": "postgres"},
        "aurora-from-plugin": {"engine": "aurora-postgresql"},
        "composed": {"dbaudit_engine": "postgres", "engine": "aurora-postgresql"},
        "empty-target": {"dbaudit_target": "", "engine": "postgres"},
        "target-wins": {"dbaudit_target": "rds", "engine": "postgres"},
    }
    assert filters.target_kinds(list(hostvars), hostvars) == {
        "unset": "aurora_cluster", "rds": "aurora_cluster", "aurora": "aurora_cluster", "instance": "rds_instance",
        "own": "self_managed", "from-plugin": "rds_instance", "aurora-from-plugin": "aurora_cluster",
        "composed": "rds_instance", "empty-target": "rds_instance", "target-wins": "aurora_cluster"}


def test_role_variables_are_the_host_value_else_the_default_only_for_the_names_asked():
    hostvars = {"a": {"x": 1, "unrelated": 2}, "b": {}, "c": {"y": None}}
    defaults = {"x": 10, "y": 20, "templated": "{{ inventory_hostname }}"}
    assert filters.role_variables(["a", "b", "c"], hostvars, defaults, ["x", "y"]) == {
        "a": {"x": 1, "y": 20}, "b": {"x": 10, "y": 20}, "c": {"x": 10, "y": None}}
    assert filters.role_variables(["b"], hostvars, defaults) == {"b": defaults}
    with pytest.raises(AnsibleFilterError, match="nope not among the role's defaults"):
        filters.role_variables(["a"], hostvars, defaults, ["x", "nope"])
    with pytest.raises(AnsibleFilterError, match="list of the play's hosts"):
        filters.role_variables("a", hostvars, defaults)


def test_pgaudit_policy_resolves_profiles_and_reads_strings_as_booleans_and_integers():
    custom = {"log": ["write"]}
    hostvars = {
        "plain": {},
        "strict": {"dbaudit_log_export": "false", "dbaudit_log_retention_days": "30",
                   "dbaudit_reboot_policy": "never", "dbaudit_audit_profiles": {"custom": custom, "b": {}},
                   "dbaudit_role_policies": [{"role": "app", "profile": "custom"},
                                             {"database": "billing", "profile": "basline"},
                                             {"role": "noprofile"}, "not-a-mapping"]},
    }
    policies = filters.pgaudit_policies(pgaudit_variables(hostvars))
    assert policies["plain"] == {
        "preload_libraries": ["pgaudit"], "parameters": PGAUDIT_DEFAULTS["dbaudit_pgaudit_parameters"],
        "reboot_policy": "rolling", "log_export": True, "log_retention_days": 365, "databases": ["postgres"],
        "audit_role": "rds_pgaudit", "object_audit": [], "role_policies": []}
    strict = policies["strict"]
    assert (strict["log_export"], strict["log_retention_days"], strict["reboot_policy"]) == (False, 30, "never")
    assert strict["role_policies"] == [
        {"role": "app", "profile": "custom", "settings": custom},
        {"database": "billing", "profile": "basline", "settings": None, "known_profiles": ["b", "custom"]},
        {"role": "noprofile", "settings": None, "known_profiles": ["b", "custom"]},
        "not-a-mapping"]
    with pytest.raises(AnsibleFilterError, match="lack 'dbaudit_databases'"):
        filters.pgaudit_policies({"h": {name: PGAUDIT_DEFAULTS[name] for name in PGAUDIT_NAMES
                                        if name != "dbaudit_databases"}})


def test_das_policy_needs_streams_enabled_and_started():
    hostvars = {"plain": {}, "off": {"dbaudit_das_enabled": "no"}, "stopped": {"dbaudit_das_state": "stopped"},
                "sync": {"dbaudit_das_mode": "sync", "dbaudit_das_enabled": "yes"}}
    assert filters.das_policies(das_variables(hostvars), hostvars) == {
        "plain": {"das_enabled": True, "das_mode": "async"}, "off": {"das_enabled": False, "das_mode": "async"},
        "stopped": {"das_enabled": False, "das_mode": "async"}, "sync": {"das_enabled": True, "das_mode": "sync"}}


def test_database_servers_leave_an_unset_login_to_the_module_and_name_what_the_policies_need():
    hostvars = {
        "plain": {},
        "full": {"dbaudit_login_host": "db.example", "dbaudit_login_port": 5433, "dbaudit_login_user": "admin",
                 "dbaudit_login_password": "secret", "dbaudit_login_iam_auth": "true",
                 "dbaudit_databases": ["orders", "postgres"], "dbaudit_audit_role": "auditor",
                 "dbaudit_role_policies": [{"role": "app", "profile": "baseline"},
                                           {"role": "app", "database": "billing", "profile": "strict"},
                                           {"database": "orders", "profile": "full"}, "junk", {"role": 5}],
                 "dbaudit_object_audit": [{"database": "billing", "tables": ["t"], "privileges": ["SELECT"]},
                                          {"database": "ledger", "tables": ["t"], "privileges": ["SELECT"]}]},
        "empty": {"dbaudit_login_host": "", "dbaudit_databases": []},
    }
    servers = filters.database_servers(list(hostvars), hostvars, pgaudit_variables(hostvars))
    assert servers[0] == {"name": "plain", "login_host": None, "login_port": None, "login_user": None,
                          "login_password": None, "login_iam_auth": False, "login_db": "postgres",
                          "databases": ["postgres"], "audit_role": "rds_pgaudit", "find_roles": [],
                          "find_databases": []}
    assert servers[1] == {"name": "full", "login_host": "db.example", "login_port": 5433, "login_user": "admin",
                          "login_password": "secret", "login_iam_auth": True, "login_db": "orders",
                          "databases": ["orders", "postgres"], "audit_role": "auditor", "find_roles": ["app"],
                          "find_databases": ["billing", "orders", "ledger"]}
    assert (servers[2]["login_host"], servers[2]["login_db"], servers[2]["databases"]) == (None, "postgres", [])
    with pytest.raises(AnsibleFilterError, match="no entry for full"):
        filters.database_servers(["plain", "full"], hostvars, pgaudit_variables({"plain": {}}))


def test_run_inputs_pass_only_what_the_inventory_sets_of_what_applies():
    profiles = {"mine": {"log": ["ddl"]}}
    hostvars = {
        "plain": {"dbaudit_log_retention_days": 42, "dbaudit_login_password": "secret"},
        "key-given": {"dbaudit_das_kms_key_id": "arn:key", "dbaudit_das_key_alias": "bad alias"},
        "key-created": {"dbaudit_das_key_alias": "bad alias", "dbaudit_audit_profiles": profiles},
        "alerting": {"dbaudit_pgaudit_alerting_enabled": "yes", "dbaudit_das_alerting_enabled": "true",
                     "dbaudit_pgaudit_alerting_rules": [], "dbaudit_das_alerting_rules": [],
                     "dbaudit_das_alerting_key_alias": "x"},
        "no-streams": {"dbaudit_das_enabled": "false", "dbaudit_das_alerting_enabled": True,
                       "dbaudit_das_alerting_rules": [], "dbaudit_das_key_alias": "bad alias"},
    }
    inputs = filters.run_inputs(list(hostvars), hostvars, RUN_INPUT_VARIABLES, pgaudit_variables(hostvars))
    default_profiles = PGAUDIT_DEFAULTS["dbaudit_audit_profiles"]
    assert inputs["plain"] == {"dbaudit_audit_profiles": default_profiles, "dbaudit_log_retention_days": 42}
    assert inputs["key-given"] == {"dbaudit_audit_profiles": default_profiles}
    assert inputs["key-created"] == {"dbaudit_audit_profiles": profiles, "dbaudit_das_key_alias": "bad alias"}
    assert inputs["alerting"] == {"dbaudit_audit_profiles": default_profiles, "dbaudit_pgaudit_alerting_rules": [],
                                  "dbaudit_das_alerting_rules": [], "dbaudit_das_alerting_key_alias": "x"}
    assert inputs["no-streams"] == {"dbaudit_audit_profiles": default_profiles}


def preflight_inputs(hostvars):
    kinds = filters.target_kinds(list(hostvars), hostvars)
    inputs = {host: {"dbaudit_audit_profiles": {}} for host in hostvars}
    return kinds, pgaudit_variables(hostvars), das_variables(hostvars), inputs


def test_preflight_targets_of_enable_audit():
    hostvars = {
        "plain": {},
        "custom": {"dbaudit_cluster_id": "prod-1", "dbaudit_target": "rds_instance", "dbaudit_das_enabled": "no",
                   "dbaudit_das_apply_immediately": "false", "dbaudit_reboot_policy": "never",
                   "dbaudit_das_kms_key_id": "alias/mine", "dbaudit_parameter_group_name": "shared",
                   "dbaudit_preload_libraries": ["pgaudit", "pg_stat_statements"],
                   "dbaudit_pgaudit_parameters": {"pgaudit.log": "ddl"},
                   "dbaudit_allow_shared_parameter_group_changes": "yes", "dbaudit_preflight_problems": ["p"],
                   "dbaudit_full_run": "true"},
    }
    kinds, pgaudit, das, inputs = preflight_inputs(hostvars)
    databases = {"servers": {"plain": {"ok": 1}, "custom": {"ok": 2}}}
    drift = {"plain": ["log export off"], "custom": []}
    plain, custom = filters.preflight_targets(list(hostvars), hostvars, kinds, pgaudit, das, inputs,
                                              databases=databases, drift=drift)
    assert plain == {"host": "plain", "kind": "cluster", "cluster_identifier": "plain", "das_enabled": True,
                     "das_apply_immediately": True, "reboot_policy": "rolling", "kms_key_id": "alias/dbaudit-das",
                     "kms_key_created": True, "parameter_group_name": "", "preload_libraries": ["pgaudit"],
                     "pgaudit_parameters": None, "allow_shared_parameter_group_changes": False,
                     "inventory_problems": [], "database_check": {"ok": 1}, "drift": ["log export off"],
                     "inputs": {"dbaudit_audit_profiles": {}}}
    assert custom == {"host": "custom", "kind": "instance", "cluster_identifier": "prod-1", "das_enabled": False,
                      "das_apply_immediately": False, "reboot_policy": "never", "kms_key_id": "alias/mine",
                      "kms_key_created": False, "parameter_group_name": "shared",
                      "preload_libraries": ["pgaudit", "pg_stat_statements"],
                      "pgaudit_parameters": {"pgaudit.log": "ddl"}, "allow_shared_parameter_group_changes": True,
                      "inventory_problems": ["p"], "database_check": {"ok": 2}, "drift": None,
                      "inputs": {"dbaudit_audit_profiles": {}}}
    with pytest.raises(AnsibleFilterError, match="the drift has no entry for custom"):
        filters.preflight_targets(list(hostvars), hostvars, kinds, pgaudit, das, inputs, databases=databases,
                                  drift={"plain": []})


def test_preflight_targets_of_disable_audit():
    hostvars = {"plain": {}, "own": {"dbaudit_target": "self_managed", "dbaudit_disable_das": "false",
                                     "dbaudit_disable_preload": "yes",
                                     "dbaudit_reboot_policy": "next_maintenance_window"}}
    kinds, pgaudit, das, inputs = preflight_inputs(hostvars)
    plain, own = filters.preflight_targets(list(hostvars), hostvars, kinds, pgaudit, das, inputs, mode="disable")
    assert plain == {"host": "plain", "kind": "cluster", "cluster_identifier": "plain", "das_enabled": True,
                     "das_apply_immediately": True, "reboot_policy": "rolling", "disable_preload": False,
                     "preload_libraries": ["pgaudit"], "allow_shared_parameter_group_changes": False,
                     "inputs": {"dbaudit_audit_profiles": {}}}
    assert (own["kind"], own["das_enabled"], own["disable_preload"], own["reboot_policy"]) == (
        "self_managed", False, True, "next_maintenance_window")
    with pytest.raises(AnsibleFilterError, match="mode is enable or disable"):
        filters.preflight_targets(list(hostvars), hostvars, kinds, pgaudit, das, inputs, mode="off")


def test_fleet_read_and_entries():
    hostvars = {"aurora": {"dbaudit_das_alerting_enabled": True, "dbaudit_cluster_id": "c-1"},
                "instance": {"dbaudit_target": "rds_instance", "dbaudit_pgaudit_alerting_enabled": "yes"},
                "own": {"dbaudit_target": "self_managed", "dbaudit_das_alerting_enabled": "true",
                        "dbaudit_das_alerting_bucket": "own-bucket"},
                "other": {"dbaudit_das_alerting_enabled": True, "dbaudit_das_alerting_name": "second"}}
    hosts = list(hostvars)
    kinds = filters.target_kinds(hosts, hostvars)
    alerting = filters.fleet_alerting(
        hosts, hostvars,
        filters.role_variables(hosts, hostvars, {"dbaudit_pgaudit_alerting_name": "dbaudit-pgaudit"}),
        filters.role_variables(hosts, hostvars, {"dbaudit_das_alerting_name": "dbaudit-das",
                                                 "dbaudit_das_alerting_bucket": ""}))
    assert alerting["instance"] == {"pgaudit_alerting": True, "pgaudit_alerting_function": "dbaudit-pgaudit-alert",
                                    "das_alerting": False, "das_alerting_name": "dbaudit-das",
                                    "das_alerting_bucket": ""}
    assert filters.fleet_read(hosts, hostvars, kinds, alerting) == {
        "cluster_identifiers": ["c-1", "other"], "instance_identifiers": ["instance"],
        "das_pipelines": [{"name": "dbaudit-das", "bucket": "own-bucket"}, {"name": "second", "bucket": ""}]}
    # The functions whose record the fleet read reads: each pipeline's once, whatever number of hosts names it.
    assert filters.alerting_functions(alerting) == ["dbaudit-das-decrypt", "dbaudit-pgaudit-alert", "second-decrypt"]
    assert filters.alerting_functions(dict(alerting, more=dict(alerting["instance"]))) == [
        "dbaudit-das-decrypt", "dbaudit-pgaudit-alert", "second-decrypt"]
    assert filters.alerting_functions({"aurora": dict(alerting["aurora"], das_alerting=False)}) == []
    with pytest.raises(AnsibleFilterError, match="the alerting of aurora"):
        filters.alerting_functions({"aurora": "dbaudit-das"})
    with pytest.raises(AnsibleFilterError, match="lacks 'das_alerting'"):
        filters.alerting_functions({"aurora": {"pgaudit_alerting": False}})

    pgaudit = filters.pgaudit_policies(pgaudit_variables(hostvars))
    das = filters.das_policies(das_variables(hostvars), hostvars)
    databases = {"servers": {host: {"server": host} for host in hosts}}
    entries = filters.fleet_entries(hosts, hostvars, kinds, pgaudit, das, alerting, databases)
    assert [(e["host"], e["kind"], e["cluster_identifier"], e["database"]) for e in entries] == [
        ("aurora", "cluster", "c-1", {"server": "aurora"}),
        ("instance", "instance", "instance", {"server": "instance"}),
        ("own", "self_managed", "own", {"server": "own"}), ("other", "cluster", "other", {"server": "other"})]
    aurora, instance, own, _other = (e["policy"] for e in entries)
    assert aurora == dict(pgaudit["aurora"], **das["aurora"], **alerting["aurora"])
    assert (aurora["das_enabled"], aurora["das_alerting"], aurora["log_export"]) == (True, True, True)
    assert (instance["das_enabled"], instance["das_alerting"], instance["pgaudit_alerting"]) == (False, False, True)
    assert (own["das_enabled"], own["das_alerting"], own["log_export"], own["pgaudit_alerting"]) == (
        False, False, False, False)


def test_fleet_regions_by_host_region_then_the_environment_leaving_out_self_managed():
    hostvars = {"east": {"dbaudit_aws_region": "us-east-1"},
                "west": {"dbaudit_aws_region": "eu-west-1", "dbaudit_target": "rds_instance"},
                "unset": {}, "empty": {"dbaudit_aws_region": ""},
                "own": {"dbaudit_target": "self_managed", "dbaudit_aws_region": "ap-south-1"}}
    hosts = list(hostvars)
    kinds = filters.target_kinds(hosts, hostvars)
    # Unset or empty: the environment's region, as the playbooks' module_defaults leave it to the environment.
    assert filters.fleet_regions(hosts, hostvars, kinds, "us-east-1") == {
        "us-east-1": ["east", "unset", "empty"], "eu-west-1": ["west"]}
    # No region in the environment: the AWS profile's, which may or may not be us-east-1.
    assert filters.fleet_regions(hosts, hostvars, kinds, "") == {
        "us-east-1": ["east"], "eu-west-1": ["west"], "": ["unset", "empty"]}
    assert filters.fleet_regions(["east", "unset", "own"], hostvars, kinds, "us-east-1") == {
        "us-east-1": ["east", "unset"]}
    assert filters.fleet_regions(["own"], hostvars, kinds) == {}
    with pytest.raises(AnsibleFilterError, match="has no entry for east"):
        filters.fleet_regions(["east"], hostvars, {})
    with pytest.raises(AnsibleFilterError, match="environment_region is a region name"):
        filters.fleet_regions(["east"], hostvars, kinds, ["us-east-1"])


def test_pgaudit_settings_targets_give_each_policy_its_profile_settings():
    profiles = {"baseline": {"log": ["role", "ddl"]}, "strict": {"log": "all"}}
    policies = [{"role": "app", "profile": "baseline"}, {"database": "billing", "profile": "strict"},
                {"role": "etl", "database": "billing", "profile": "baseline"}]
    assert filters.pgaudit_settings_targets(policies, profiles) == [
        {"role": "app", "settings": {"log": ["role", "ddl"]}}, {"database": "billing", "settings": {"log": "all"}},
        {"role": "etl", "database": "billing", "settings": {"log": ["role", "ddl"]}}]
    assert filters.pgaudit_settings_targets([], profiles) == []
    with pytest.raises(AnsibleFilterError, match="no defined profile"):
        filters.pgaudit_settings_targets([{"role": "app", "profile": "basline"}], profiles)
    with pytest.raises(AnsibleFilterError, match="takes the list of role policies"):
        filters.pgaudit_settings_targets({"role": "app"}, profiles)

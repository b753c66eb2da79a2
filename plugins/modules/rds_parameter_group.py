#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Ansible modules import after DOCUMENTATION, EXAMPLES and RETURN.
# ruff: noqa: E402

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rds_parameter_group
short_description: Manage an RDS or Aurora PostgreSQL parameter group, merging list parameters
version_added: 0.1.0
description:
  - Create, copy, modify or delete a DB cluster parameter group (Aurora) or a DB parameter group
    (RDS instances and Aurora instances).
  - O(preload_libraries) is merged into the effective C(shared_preload_libraries) (the group's value, or
    the engine default when the group has none). Entries already there are kept in their order,
    nothing is dropped and nothing is repeated. Setting the parameter itself through O(parameters)
    replaces the list instead.
  - Every parameter named is validated against the family's parameters (name, modifiability, type,
    AllowedValues) before anything is created or modified; on any problem the module fails and
    changes nothing.
  - The apply method comes from each parameter's ApplyType. Static parameters are applied
    C(pending-reboot), dynamic ones O(dynamic_apply_method). A parameter whose value is already the
    wanted one is never changed, whatever its ApplyMethod.
  - AWS's own C(default.*) groups cannot be modified; to move a cluster off one, create a new group
    with O(source_group) set to the default group (its settings are copied) and attach it with
    M(dbaudit.postgresql.rds_parameter_group_attachment).
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  name:
    description: Name of the parameter group.
    type: str
    required: true
  scope:
    description:
      - V(cluster) for a DB cluster parameter group (Aurora), V(instance) for a DB parameter group.
    type: str
    choices: [cluster, instance]
    default: cluster
  state:
    description:
      - V(present) creates the group if needed and sets the parameters.
      - V(absent) deletes the group. AWS refuses to delete a group a cluster or instance uses.
    type: str
    choices: [present, absent]
    default: present
  family:
    description:
      - The parameter group family, for example V(aurora-postgresql16) or V(postgres16).
      - Required to create a group without O(source_group). When the group exists, or is copied, it
        must match the family the group has.
    type: str
  description:
    description:
      - Description of a group to be created. AWS cannot change the description of an existing group;
        a different one gives a warning.
      - Defaults to a description naming the family (or the source group when copying).
    type: str
  source_group:
    description:
      - Name of an existing group of the same O(scope) to copy when the group does not exist yet, so
        its settings are kept (typically the C(default.*) group a cluster uses today).
      - Ignored when the group already exists.
    type: str
  parameters:
    description:
      - Parameter name to value. Values may be strings, numbers, booleans (written V(1)/V(0) for
        boolean parameters) or lists (joined with commas).
      - A value is compared with the current one by the parameter's DataType, so V(on) equals V(1)
        and V(ddl, role) equals V(ddl,role).
    type: dict
    default: {}
  preload_libraries:
    description:
      - Libraries that must be in C(shared_preload_libraries), for example V([pgaudit]). Merged into the
        effective value; existing entries are kept. Cannot be combined with C(shared_preload_libraries)
        in O(parameters).
      - C(shared_preload_libraries) is static, so adding a library needs a reboot of the instances
        using the group (see M(dbaudit.postgresql.rds_reboot)).
    type: list
    elements: str
    default: []
  dynamic_apply_method:
    description:
      - How dynamic parameters are applied. V(pending-reboot) defers them to the next reboot.
      - Static parameters are always applied V(pending-reboot) (AWS refuses V(immediate) for them).
    type: str
    choices: [immediate, pending-reboot]
    default: immediate
  tags:
    description: Tags of the group. Not changed when omitted.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not listed in O(tags) (only when O(tags) is given).
    type: bool
    default: true
notes:
  - Modifications are sent in batches of at most 20 parameters, as RDS allows.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Copy the cluster's default group and turn pgAudit on, keeping pg_stat_statements
  dbaudit.postgresql.rds_parameter_group:
    name: prod-db-audit
    scope: cluster
    source_group: default.aurora-postgresql16
    description: prod-db with pgAudit
    preload_libraries: [pgaudit]
    parameters:
      pgaudit.log: ddl,role
      pgaudit.log_catalog: false
      pgaudit.role: rds_pgaudit
  register: audit_group

- name: Reboot when a static parameter changed
  dbaudit.postgresql.rds_reboot:
    cluster_identifier: prod-db
  when: audit_group.reboot_required

- name: An instance group for RDS for PostgreSQL
  dbaudit.postgresql.rds_parameter_group:
    name: reporting-audit
    scope: instance
    family: postgres16
    preload_libraries: [pgaudit]
    parameters:
      pgaudit.log: ddl
    tags:
      audit_profile: baseline

- name: Delete a group no longer used
  dbaudit.postgresql.rds_parameter_group:
    name: old-audit
    state: absent
"""

RETURN = r"""
parameter_group:
  description: The group. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the group.
      type: str
      returned: when the group exists
      sample: prod-db-audit
    scope:
      description: V(cluster) or V(instance).
      type: str
      returned: when the group exists
      sample: cluster
    family:
      description: The parameter group family.
      type: str
      returned: when the group exists
      sample: aurora-postgresql16
    description:
      description: Description of the group.
      type: str
      returned: when the group exists
      sample: prod-db with pgAudit
    arn:
      description: ARN of the group (absent in check mode before a create).
      type: str
      returned: when the group exists
      sample: arn:aws:rds:eu-west-1:123456789012:cluster-pg:prod-db-audit
    tags:
      description: Tags of the group.
      type: dict
      returned: when the group exists
      sample: {"audit_profile": "baseline"}
parameters:
  description: The value of every parameter the task names (O(parameters) and, with O(preload_libraries),
    C(shared_preload_libraries)) after the task.
  returned: when O(state=present)
  type: dict
  sample: {"shared_preload_libraries": "pg_stat_statements,pg_hint_plan,pgaudit", "pgaudit.log": "ddl,role"}
changed_parameters:
  description: The parameters changed (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Parameter name.
      type: str
      returned: always
      sample: shared_preload_libraries
    before:
      description: Value before (the group's or the engine default; null when none).
      type: str
      returned: always
      sample: pg_stat_statements
    after:
      description: Value after.
      type: str
      returned: always
      sample: pg_stat_statements,pgaudit
    apply_type:
      description: V(static) or V(dynamic).
      type: str
      returned: always
      sample: static
    apply_method:
      description: V(pending-reboot) or V(immediate).
      type: str
      returned: always
      sample: pending-reboot
reboot_required:
  description: A parameter was changed that only takes effect after the instances using the group reboot.
  returned: always
  type: bool
  sample: true
diff:
  description: The group and its named parameters before and after. Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Before the task (empty when the group did not exist).
      type: dict
      returned: always
    after:
      description: After the task (empty when the group was deleted).
      type: dict
      returned: always
"""

from typing import Dict
from typing import List
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import AnsibleRDSError
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import add_tags
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import copy_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import create_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import delete_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_engine_defaults
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_parameter_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import describe_parameters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import error_code
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import group_arn
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import list_tags
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import modify_parameters
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import remove_tags
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds import scope_label
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import PRELOAD_PARAMETER
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import effective_value
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import is_default_group
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import merge_list
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import plan_changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.rds_parameters import reboot_required
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def refused(message: str, errors: Optional[List[str]] = None) -> Refusal:
    """A Refusal whose reasons the failure also returns as ``errors``, the key this module has always had."""
    errors = errors or [message]
    return Refusal(message, errors, errors=errors)


def desired_parameters(parameters: Dict, preload_libraries: List[str], records: Dict[str, Dict],
                       engine_defaults: Dict[str, Dict]) -> Dict:
    """The name -> value the group must hold: ``parameters`` plus the merged preload list when it gains a library."""
    if preload_libraries and PRELOAD_PARAMETER in parameters:
        raise refused(f"give {PRELOAD_PARAMETER} either in parameters (replacing the list) or as "
                      "preload_libraries (merged into it), not both")
    desired = dict(parameters)
    if preload_libraries:
        current = effective_value(records.get(PRELOAD_PARAMETER), engine_defaults.get(PRELOAD_PARAMETER))
        merged, added = merge_list(current, preload_libraries)
        if added or PRELOAD_PARAMETER not in records:
            desired[PRELOAD_PARAMETER] = merged
    return desired


def named_values(records: Dict[str, Dict], engine_defaults: Dict[str, Dict], names: List[str],
                 changes: List[Dict], after: bool) -> Dict[str, Optional[str]]:
    """The values of ``names`` before (or after) the changes: what ``parameters`` and the diff show."""
    values = {name: effective_value(records.get(name), engine_defaults.get(name)) for name in names}
    if after:
        values.update({c["name"]: c["after"] for c in changes})
    return values


def shown_group(name: str, scope: str, family: Optional[str], description: Optional[str], arn: Optional[str],
                tags: Optional[Dict]) -> Dict:
    shown = {"name": name, "scope": scope, "family": family, "description": description, "tags": dict(tags or {})}
    if arn:
        shown["arn"] = arn
    return shown


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def _template(client, scope: str, name: str, params: Dict):
    """(family, description, records, source) for a group still to be created, or a refusal."""
    family = params["family"]
    source = params["source_group"]
    if source:
        source_group = describe_parameter_group(client, scope, source)
        if source_group is None:
            raise refused(f"source_group {source}: no such {scope_label(scope)}; nothing was created")
        source_family = source_group["DBParameterGroupFamily"]
        if family and family != source_family:
            raise refused(f"source_group {source} is of family {source_family}, not {family}")
        description = params["description"] or f"Copy of {source}"
        return source_family, description, describe_parameters(client, scope, source), source
    if not family:
        raise refused(f"{scope_label(scope)} {name} does not exist: give family (for example "
                      "aurora-postgresql16) or source_group to create it")
    description = params["description"] or f"{family} parameters managed by dbaudit.postgresql"
    return family, description, describe_engine_defaults(client, scope, family), None


def ensure_present(client, check_mode: bool, scope: str, name: str, params: Dict, adopting: bool = False) -> Dict:
    """Create or copy the group when missing, then set the parameters and tags. Returns the result keys.
    A group another run created between the describe and the create is adopted: read again and brought to
    the wanted parameters like any existing group."""
    warnings = []
    group = describe_parameter_group(client, scope, name)
    if group:
        family = group["DBParameterGroupFamily"]
        if params["family"] and params["family"] != family:
            raise refused(f"{scope_label(scope)} {name} is of family {family}, not {params['family']}; "
                          "a group's family cannot change: use another name")
        description = group.get("Description")
        if params["description"] and params["description"] != description:
            warnings.append(f"the description of {name} cannot be changed; it stays {description!r}")
        records_list = describe_parameters(client, scope, name)
        source = None
    else:
        family, description, records_list, source = _template(client, scope, name, params)
    records = {r["ParameterName"]: r for r in records_list}

    wanted_names = set(params["parameters"]) | ({PRELOAD_PARAMETER} if params["preload_libraries"] else set())
    engine_defaults = {}  # type: Dict[str, Dict]
    if any(n in records and records[n].get("ParameterValue") is None for n in wanted_names):
        engine_defaults = {r["ParameterName"]: r for r in describe_engine_defaults(client, scope, family)}

    desired = desired_parameters(params["parameters"], params["preload_libraries"], records, engine_defaults)
    changes, errors = plan_changes(records, desired, engine_defaults, params["dynamic_apply_method"])
    if errors:
        raise refused(f"{scope_label(scope)} {name} ({family}): " + "; ".join(errors)
                      + ". Nothing was changed.", errors)
    if (changes or not group) and is_default_group(name):
        raise refused(f"{name} is an AWS default group, which cannot be modified: create a group of "
                      f"your own with source_group: {name} (copying its settings) and attach it")

    arn = group_arn(scope, group) if group else None
    tags_before = list_tags(client, arn) if arn else {}
    tags_after = dict(tags_before)
    tags_to_set, tags_to_remove = {}, []
    if params["tags"] is not None:
        tags_to_set, tags_to_remove = compare_aws_tags(tags_before, params["tags"], params["purge_tags"])
        tags_after.update(tags_to_set)
        for key in tags_to_remove:
            tags_after.pop(key, None)

    changed = not group or bool(changes) or bool(tags_to_set) or bool(tags_to_remove)
    if not check_mode:
        if not group:
            tags = params["tags"] or {}
            try:
                if source:
                    created = copy_parameter_group(client, scope, source, name, description, tags)
                else:
                    created = create_parameter_group(client, scope, name, family, description, tags)
            except AnsibleRDSError as e:
                if adopting or error_code(e.exception) != "DBParameterGroupAlreadyExists":
                    raise
                adopted = ensure_present(client, check_mode, scope, name, params, adopting=True)
                adopted["warnings"].append(f"{name} was created by another run at the same time; it was adopted")
                return adopted
            arn = group_arn(scope, created)
            tags_after = dict(tags)
        else:
            if tags_to_remove:
                remove_tags(client, arn, tags_to_remove)
            if tags_to_set:
                add_tags(client, arn, tags_to_set)
        if changes:
            modify_parameters(client, scope, name, changes)

    names = sorted(wanted_names)
    return {
        "changed": changed,
        "warnings": warnings,
        "before": shown_group(name, scope, family, description, arn, tags_before) if group else {},
        "after": shown_group(name, scope, family, description, arn, tags_after),
        "parameters_before": named_values(records, engine_defaults, names, [], after=False) if group else {},
        "parameters": named_values(records, engine_defaults, names, changes, after=True),
        "changed_parameters": changes,
    }


def ensure_absent(client, check_mode: bool, scope: str, name: str) -> Dict:
    group = describe_parameter_group(client, scope, name)
    if not group:
        return {"changed": False, "before": {}}
    if is_default_group(name):
        raise refused(f"{name} is an AWS default group, which cannot be deleted")
    arn = group_arn(scope, group)
    before = shown_group(name, scope, group["DBParameterGroupFamily"], group.get("Description"), arn,
                         list_tags(client, arn) if arn else {})
    if not check_mode:
        delete_parameter_group(client, scope, name)
    return {"changed": True, "before": before}


def do(module) -> None:
    params = module.params
    scope, name = params["scope"], params["name"]
    client = module.client("rds")
    if params["state"] == "absent":
        outcome = ensure_absent(client, module.check_mode, scope, name)
        result = {"changed": outcome["changed"], "parameter_group": {}, "changed_parameters": [],
                  "reboot_required": False}
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = {"before": outcome["before"], "after": {}}
        module.exit_json(**result)

    outcome = ensure_present(client, module.check_mode, scope, name, params)
    for warning in outcome["warnings"]:
        module.warn(warning)
    result = {
        "changed": outcome["changed"],
        "parameter_group": outcome["after"],
        "parameters": outcome["parameters"],
        "changed_parameters": outcome["changed_parameters"],
        "reboot_required": reboot_required(outcome["changed_parameters"]),
    }
    if module._diff:  # pylint: disable=protected-access
        before = dict(outcome["before"])
        if before:
            before["parameters"] = outcome["parameters_before"]
        after = dict(outcome["after"])
        after["parameters"] = outcome["parameters"]
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        name=dict(type="str", required=True),
        scope=dict(type="str", choices=["cluster", "instance"], default="cluster"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        family=dict(type="str"),
        description=dict(type="str"),
        source_group=dict(type="str"),
        parameters=dict(type="dict", default={}),
        preload_libraries=dict(type="list", elements="str", default=[]),
        dynamic_apply_method=dict(type="str", choices=["immediate", "pending-reboot"], default="immediate"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()

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
module: iam_service_role
short_description: Make sure an IAM service role exists, with its trust and inline policies and no instance profile
version_added: 0.1.0
description:
  - Creates an IAM role for an AWS service (Lambda, Firehose, ...) when it is missing, or brings an existing one to
    the trust policy, description, managed policies and inline policies asked for.
  - Inline policies are read by name (C(GetRolePolicy)) and written (C(PutRolePolicy)) only when they differ, so
    two runs that ensure the same role at once (job slices) both succeed. M(amazon.aws.iam_policy) lists the
    role's policies twice and fails with a C(KeyError) when another run adds one between the two lists.
  - It never creates an EC2 instance profile. C(amazon.aws.iam_role) 10.x creates one by default and deprecates
    the C(create_instance_profile) option that stops it, so a service role made with it either gets an instance
    profile or uses a deprecated option, and every call prints a deprecation of its own return value.
  - This module cannot delete a role, and it has no C(state) option.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  name:
    description: Name of the role.
    type: str
    required: true
  assume_role_policy_document:
    description:
      - The trust policy, as JSON text or a dictionary. Compared with the role's as a policy (key order, a single
        statement given as an object or a list and string-or-list values do not matter).
    type: json
    required: true
  description:
    description:
      - Description of the role. Not changed when omitted.
    type: str
  managed_policies:
    description:
      - ARNs of the managed policies the role has attached; any other attached managed policy is detached.
    type: list
    elements: str
    default: []
  inline_policies:
    description:
      - Inline policies the role holds, by policy name; each a policy as JSON text or a dictionary, compared as a
        policy like the trust policy.
      - The role's other inline policies are left as they are. Omitted, no inline policy is read or changed.
    type: dict
notes:
  - The module calls C(GetRole), C(CreateRole), C(UpdateAssumeRolePolicy), C(UpdateRole),
    C(ListAttachedRolePolicies), C(AttachRolePolicy), C(DetachRolePolicy), C(GetRolePolicy) and C(PutRolePolicy)
    only.
  - A role created by another run between the read and the create is adopted (read again and brought to what
    is asked), not an error; the task reports no change when the other run has already made it all as asked.
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Execution role of a Lambda function, with its inline policy
  dbaudit.postgresql.iam_service_role:
    name: audit-alert
    description: Execution role of audit-alert
    assume_role_policy_document:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: lambda.amazonaws.com}
          Action: sts:AssumeRole
    inline_policies:
      audit-alert: "{{ lookup('ansible.builtin.file', 'policy.json') }}"
  register: role
"""

RETURN = r"""
iam_role:
  description: The role after the task (in check mode, what it would be).
  returned: always
  type: dict
  contains:
    role_name:
      description: Name of the role.
      type: str
      returned: always
      sample: audit-alert
    arn:
      description: ARN of the role (absent in check mode before a create).
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:role/audit-alert
    description:
      description: Description of the role.
      type: str
      returned: always
      sample: Execution role of audit-alert
    assume_role_policy_document:
      description: The trust policy.
      type: dict
      returned: always
    managed_policies:
      description: ARNs of the attached managed policies.
      type: list
      elements: str
      returned: always
      sample: []
    inline_policies:
      description: The inline policies named in O(inline_policies), by name (none when it is omitted).
      type: dict
      returned: always
      sample: {}
existed:
  description: Whether the role existed before the task wrote it (one another run made meanwhile is adopted, so
    it existed).
  returned: always
  type: bool
  sample: true
diff:
  description: The role before and after. Returned in diff mode.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The role before the task (empty when it did not exist).
      type: dict
      returned: always
    after:
      description: The role after the task.
      type: dict
      returned: always
"""

import json
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule


IAMErrors = AWSErrors.variant(missing_codes=("NoSuchEntity",))


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def policy_document(value) -> Dict:
    """A policy as a dictionary, from a dictionary, JSON text or the URL-encoded JSON IAM may return."""
    if isinstance(value, dict):
        return value
    text = value.strip()
    if not text.startswith("{"):
        text = unquote(text)
    return json.loads(text)


def inline_documents(given: Optional[Dict]) -> Dict[str, Dict]:
    """The asked inline policies as dictionaries; ValueError naming the first one that is not a JSON policy."""
    documents = {}
    for policy_name, value in (given or {}).items():
        try:
            document = policy_document(value)
        except (AttributeError, ValueError) as e:
            raise ValueError(f"inline policy {policy_name} is not a JSON policy: {e}") from e
        if not isinstance(document, dict) or "Statement" not in document:
            raise ValueError(f"inline policy {policy_name} is not a JSON policy: an object with a Statement is "
                             f"expected, not {json.dumps(document)[:80]}")
        documents[policy_name] = document
    return documents


def role_changes(role: Optional[Dict], attached: List[str], trust: Dict, description: Optional[str],
                 managed_policies: List[str], inline: Optional[Dict[str, Optional[Dict]]] = None,
                 asked_inline: Optional[Dict[str, Dict]] = None) -> Dict:
    """What must change on a role: trust, description, policies to attach and to detach, inline policies to put.
    ``inline`` holds the role's current inline policies by name (None for one it lacks)."""
    inline, asked_inline = inline or {}, asked_inline or {}
    put = sorted(policy_name for policy_name, document in asked_inline.items()
                 if inline.get(policy_name) is None or compare_policies(inline[policy_name], document))
    if role is None:
        return {"trust": False, "description": False, "attach": sorted(set(managed_policies)), "detach": [],
                "put": put}
    return {
        "trust": compare_policies(policy_document(role["AssumeRolePolicyDocument"]), trust),
        "description": description is not None and description != role.get("Description", ""),
        "attach": sorted(set(managed_policies) - set(attached)),
        "detach": sorted(set(attached) - set(managed_policies)),
        "put": put,
    }


def any_change(changes: Dict) -> bool:
    return bool(changes["trust"] or changes["description"] or changes["attach"] or changes["detach"]
                or changes["put"])


def shown_role(name: str, role: Optional[Dict], attached: List[str],
               inline: Optional[Dict[str, Optional[Dict]]] = None) -> Dict:
    """The iam_role return value (and diff side) of a described role, or {} for none."""
    if role is None:
        return {}
    shown = {"role_name": name, "description": role.get("Description", ""),
             "assume_role_policy_document": policy_document(role["AssumeRolePolicyDocument"]),
             "managed_policies": sorted(attached),
             "inline_policies": {k: v for k, v in sorted((inline or {}).items()) if v is not None}}
    if role.get("Arn"):
        shown["arn"] = role["Arn"]
    return shown


def predicted_role(role: Optional[Dict], trust: Dict, description: Optional[str]) -> Dict:
    """The role as it will be after the changes, for check mode."""
    predicted = dict(role or {})
    predicted["AssumeRolePolicyDocument"] = trust
    if description is not None:
        predicted["Description"] = description
    return predicted


# ---------------------------------------------------------------------------------------------
# API calls. Nothing here deletes a role.
# ---------------------------------------------------------------------------------------------


@IAMErrors.list_error_handler("get role {name}", None)
@AWSRetry.jittered_backoff()
def get_role(client, name: str) -> Optional[Dict]:
    return client.get_role(RoleName=name)["Role"]


# IAM is eventually consistent: the role another run just created may not be readable yet.
@IAMErrors.common_error_handler("get role {name}, created by another run")
@AWSRetry.jittered_backoff(retries=5, delay=1, catch_extra_error_codes=["NoSuchEntity"])
def get_created_role(client, name: str) -> Dict:
    return client.get_role(RoleName=name)["Role"]


@IAMErrors.list_error_handler("list the policies attached to role {name}", [])
@AWSRetry.jittered_backoff()
def attached_policies(client, name: str) -> List[str]:
    paginator = client.get_paginator("list_attached_role_policies")
    return [p["PolicyArn"] for page in paginator.paginate(RoleName=name) for p in page["AttachedPolicies"]]


@IAMErrors.list_error_handler("get inline policy {policy_name} of role {name}", None)
@AWSRetry.jittered_backoff()
def get_inline_policy(client, name: str, policy_name: str) -> Optional[Dict]:
    return policy_document(client.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"])


def inline_policies(client, name: str, policy_names) -> Dict[str, Optional[Dict]]:
    """The role's inline policies of these names, None for each it lacks. Read one by one, never listed first:
    a policy another run adds meanwhile is then simply there or not."""
    return {policy_name: get_inline_policy(client, name, policy_name) for policy_name in sorted(policy_names)}


# NoSuchEntity is retried: the role may have been created a moment ago, by this run or another.
@IAMErrors.common_error_handler("put inline policy {policy_name} on role {name}")
@AWSRetry.jittered_backoff(retries=5, delay=1, catch_extra_error_codes=["NoSuchEntity"])
def put_inline_policy(client, name: str, policy_name: str, document: Dict) -> None:
    client.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document, sort_keys=True))


# Two runs creating the role at once: IAM may answer the second with ConcurrentModification (retried, then
# EntityAlreadyExists) or EntityAlreadyExists.
@IAMErrors.common_error_handler("create role {name}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ConcurrentModification"])
def create_role(client, name: str, trust: Dict, description: Optional[str]) -> bool:
    """True when this call created the role; False when another run created it since it was read."""
    options = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust)}
    if description is not None:
        options["Description"] = description
    try:
        client.create_role(**options)
    except is_boto3_error_code("EntityAlreadyExists"):
        return False
    return True


@IAMErrors.common_error_handler("update the assume role policy of role {name}")
@AWSRetry.jittered_backoff()
def update_trust(client, name: str, trust: Dict) -> None:
    client.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))


@IAMErrors.common_error_handler("update the description of role {name}")
@AWSRetry.jittered_backoff()
def update_description(client, name: str, description: str) -> None:
    client.update_role(RoleName=name, Description=description)


@IAMErrors.common_error_handler("attach policy {arn} to role {name}")
@AWSRetry.jittered_backoff()
def attach_policy(client, name: str, arn: str) -> None:
    client.attach_role_policy(RoleName=name, PolicyArn=arn)


@IAMErrors.common_error_handler("detach policy {arn} from role {name}")
@AWSRetry.jittered_backoff()
def detach_policy(client, name: str, arn: str) -> None:
    client.detach_role_policy(RoleName=name, PolicyArn=arn)


def apply_changes(client, name: str, changes: Dict, trust: Dict, description: Optional[str],
                  asked_inline: Dict[str, Dict]) -> None:
    if changes["trust"]:
        update_trust(client, name, trust)
    if changes["description"]:
        update_description(client, name, description)
    for arn in changes["detach"]:
        detach_policy(client, name, arn)
    for arn in changes["attach"]:
        attach_policy(client, name, arn)
    for policy_name in changes["put"]:
        put_inline_policy(client, name, policy_name, asked_inline[policy_name])


# ---------------------------------------------------------------------------------------------
# ensure_*
# ---------------------------------------------------------------------------------------------


def ensure_role(client, check_mode: bool, name: str, trust: Dict, description: Optional[str],
                managed_policies: List[str], asked_inline: Optional[Dict[str, Dict]] = None
                ) -> Tuple[bool, Dict, Dict]:
    """Returns (changed, role before as shown or {}, role after as shown)."""
    asked_inline = asked_inline or {}

    def read(role):
        if role is None:
            return [], {}
        return attached_policies(client, name), inline_policies(client, name, asked_inline)

    role = get_role(client, name)
    attached, inline = read(role)
    changes = role_changes(role, attached, trust, description, managed_policies, inline, asked_inline)
    before = shown_role(name, role, attached, inline)
    if role is not None and not any_change(changes):
        return False, before, before
    if check_mode:
        after_attached = sorted((set(attached) | set(changes["attach"])) - set(changes["detach"]))
        return True, before, shown_role(name, predicted_role(role, trust, description), after_attached,
                                        dict(inline, **asked_inline))
    if role is None and not create_role(client, name, trust, description):
        # Another run created it since it was read: that run's role is the one found, brought to what is asked;
        # nothing changed when the other run has already done it all.
        role = get_created_role(client, name)
        attached, inline = read(role)
        changes = role_changes(role, attached, trust, description, managed_policies, inline, asked_inline)
        before = shown_role(name, role, attached, inline)
        if not any_change(changes):
            return False, before, before
    apply_changes(client, name, changes, trust, description, asked_inline)
    after_role = get_role(client, name)
    after_attached, after_inline = read(after_role)
    return True, before, shown_role(name, after_role, after_attached, after_inline)


def do(module) -> None:
    params = module.params
    try:
        trust = policy_document(params["assume_role_policy_document"])
    except ValueError as e:
        module.fail_json(msg=f"Role {params['name']}: assume_role_policy_document is not a JSON policy: {e}")
    try:
        asked_inline = inline_documents(params["inline_policies"])
    except ValueError as e:
        module.fail_json(msg=f"Role {params['name']}: {e}")
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    changed, before, after = ensure_role(client, module.check_mode, params["name"], trust, params["description"],
                                         params["managed_policies"], asked_inline)
    result = {"changed": changed, "iam_role": after, "existed": bool(before)}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        name=dict(type="str", required=True),
        assume_role_policy_document=dict(type="json", required=True),
        description=dict(type="str"),
        managed_policies=dict(type="list", elements="str", default=[]),
        inline_policies=dict(type="dict"),
    )
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()

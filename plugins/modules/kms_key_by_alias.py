#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kms_key_by_alias
short_description: A symmetric customer managed KMS key found, or created, by its alias; safe for runs at once
version_added: 0.1.0
description:
  - Looks the alias up. When it names a key, that key is used (its description, rotation and enabled state are
    brought to what is asked; its key policy is left as it is). When it names none, a key is created (with
    O(policy) when given) and the alias is pointed at it.
  - Two runs at once (AWX job slices, two operators) may both find no alias and both create a key; only one
    C(CreateAlias) succeeds. The run that loses adopts the key the alias names and schedules its own new key for
    deletion after O(pending_window_days), so no key is left behind without an alias. M(amazon.aws.kms_key) fails
    there and leaves its key behind.
  - Only what the collection needs, symmetric C(ENCRYPT_DECRYPT) keys and state present. Use M(amazon.aws.kms_key)
    for grants, tags, multi-Region keys or deletion.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  alias:
    description:
      - The alias, with or without the C(alias/) prefix.
      - C(alias/aws/...) names AWS managed keys and is refused.
    type: str
    required: true
    aliases: [key_alias]
  description:
    description: Description of the key; an existing key's description is updated to it. Omitted, left as it is.
    type: str
  policy:
    description:
      - Key policy (JSON) of a key this module creates. An existing key's policy is never changed (other tools or
        people may have added statements to it); omitted, KMS gives a new key its default policy.
    type: json
  enable_key_rotation:
    description: Yearly rotation of the key material. Omitted, left as it is.
    type: bool
  enabled:
    description: Whether the key can be used.
    type: bool
    default: true
  pending_window_days:
    description: Days before the key of a lost race is deleted (KMS allows 7 to 30).
    type: int
    default: 7
  state:
    description: Only C(present).
    type: str
    choices: [present]
    default: present
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Key of the alert topic, made once for the whole fleet even when job slices run at once
  dbaudit.postgresql.kms_key_by_alias:
    alias: alias/dbaudit-das-alerting
    description: Encrypts the DAS alerting bucket, topic and queue
    enable_key_rotation: true
  register: alerting_key
"""

RETURN = r"""
key_id:
  description: Id of the key the alias names after the run.
  returned: when the key exists (not in check mode when it would be created)
  type: str
key_arn:
  description: ARN of that key.
  returned: when the key exists (not in check mode when it would be created)
  type: str
alias:
  description: The alias, with its C(alias/) prefix.
  returned: always
  type: str
created:
  description: Whether this run created the key the alias names (or would, in check mode).
  returned: always
  type: bool
adopted_from_another_run:
  description: Whether another run created the alias between this run's look-up and its CreateAlias.
  returned: always
  type: bool
scheduled_for_deletion:
  description: Id of the key this run created and scheduled for deletion after losing the race; empty otherwise.
  returned: always
  type: str
diff:
  description: The key's description, rotation and enabled state before and after.
  returned: when diff mode is on
  type: dict
"""

from typing import Any
from typing import Dict
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


KMSErrors = AWSErrors.variant(missing_codes=("NotFoundException",))


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------

def canonical_alias(alias: str) -> str:
    """``alias/<name>``, or a Refusal for what KMS would refuse or what is not ours to manage."""
    name = alias[len("alias/"):] if alias.startswith("alias/") else alias
    if not name:
        raise Refusal("alias=%r is empty" % alias)
    if name.startswith("aws/"):
        raise Refusal("alias=%r names an AWS managed key; give an alias of your own" % alias)
    if not all(c.isalnum() or c in "/_-" for c in name) or len(name) > 250:
        raise Refusal("alias=%r may hold only letters, digits, '/', '_' and '-' (at most 256 characters "
                      "with alias/)" % alias)
    return "alias/" + name


def shown_key(metadata: Optional[Dict[str, Any]], rotation: Optional[bool]) -> Dict[str, Any]:
    if not metadata:
        return {}
    return {"key_id": metadata["KeyId"], "description": metadata.get("Description", ""),
            "enabled": metadata.get("KeyState") == "Enabled", "key_rotation_enabled": rotation}


def wanted_settings(current: Dict[str, Any], params: Dict[str, Any]) -> Dict[str, Any]:
    """What differs between a key (shown_key) and the options: {setting: wanted value}."""
    wanted = {"description": params.get("description"), "enabled": params["enabled"],
              "key_rotation_enabled": params.get("enable_key_rotation")}
    return {name: value for name, value in wanted.items() if value is not None and current.get(name) != value}


# ---------------------------------------------------------------------------------------------
# AWS
# ---------------------------------------------------------------------------------------------

@KMSErrors.list_error_handler("describe the KMS key of {alias}", None)
@AWSRetry.jittered_backoff()
def describe_alias(client, alias: str) -> Optional[Dict[str, Any]]:
    return client.describe_key(KeyId=alias)["KeyMetadata"]


@KMSErrors.common_error_handler("get the key rotation status of KMS key {key_id}")
@AWSRetry.jittered_backoff()
def rotation_of(client, key_id: str) -> bool:
    return bool(client.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])


@KMSErrors.common_error_handler("change the settings {changes} of KMS key {key_id}")
def apply_settings(client, key_id: str, changes: Dict[str, Any]) -> None:
    # Enable first: rotation cannot be changed on a disabled key.
    if changes.get("enabled") is True:
        client.enable_key(KeyId=key_id)
    if "description" in changes:
        client.update_key_description(KeyId=key_id, Description=changes["description"])
    if "key_rotation_enabled" in changes:
        if changes["key_rotation_enabled"]:
            client.enable_key_rotation(KeyId=key_id)
        else:
            client.disable_key_rotation(KeyId=key_id)
    if changes.get("enabled") is False:
        client.disable_key(KeyId=key_id)


@KMSErrors.common_error_handler("create a KMS key with alias {alias}")
def create_key_with_alias(client, alias: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """Create a key and point the alias at it; when another run made the alias first, adopt its key and schedule
    ours for deletion. Returns {metadata, created, adopted, scheduled}."""
    request = {"KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT"}
    if params.get("description") is not None:
        request["Description"] = params["description"]
    if params.get("policy"):
        request["Policy"] = params["policy"]
    ours = client.create_key(**request)["KeyMetadata"]
    try:
        client.create_alias(AliasName=alias, TargetKeyId=ours["KeyId"])
    except is_boto3_error_code("AlreadyExistsException"):
        client.schedule_key_deletion(KeyId=ours["KeyId"], PendingWindowInDays=params["pending_window_days"])
        return {"metadata": describe_alias(client, alias), "created": False, "adopted": True,
                "scheduled": ours["KeyId"]}
    return {"metadata": ours, "created": True, "adopted": False, "scheduled": ""}


def ensure_present(client, check_mode: bool, params: Dict[str, Any]) -> Dict[str, Any]:
    alias = canonical_alias(params["alias"])
    metadata = describe_alias(client, alias)
    if metadata is None:
        if check_mode:
            after = {"key_id": "", "description": params.get("description") or "", "enabled": params["enabled"],
                     "key_rotation_enabled": bool(params.get("enable_key_rotation"))}
            return {"changed": True, "alias": alias, "metadata": None, "created": True, "adopted": False,
                    "scheduled": "", "before": {}, "after": after}
        made = create_key_with_alias(client, alias, params)
        metadata = made["metadata"]
    else:
        made = {"created": False, "adopted": False, "scheduled": ""}
    before = {} if made["created"] else shown_key(metadata, rotation_of(client, metadata["KeyId"]))
    current = shown_key(metadata, rotation_of(client, metadata["KeyId"]) if made["created"] else
                        before["key_rotation_enabled"])
    changes = wanted_settings(current, params)
    if changes and not check_mode:
        apply_settings(client, metadata["KeyId"], changes)
    after = dict(current, **changes)
    return {"changed": made["created"] or made["adopted"] or bool(changes), "alias": alias, "metadata": metadata,
            "created": made["created"], "adopted": made["adopted"], "scheduled": made["scheduled"],
            "before": before, "after": after}


def do(module) -> None:
    if not 7 <= module.params["pending_window_days"] <= 30:
        module.fail_json(msg="pending_window_days=%s is outside 7..30 (what KMS allows)"
                         % module.params["pending_window_days"])
    canonical_alias(module.params["alias"])
    client = module.client("kms")
    outcome = ensure_present(client, module.check_mode, module.params)
    if outcome["adopted"]:
        module.warn("%s was created by another run at the same time; its key was adopted and the key this run made "
                    "(%s) is scheduled for deletion in %s days"
                    % (outcome["alias"], outcome["scheduled"], module.params["pending_window_days"]))
    result = {"changed": outcome["changed"], "alias": outcome["alias"], "created": outcome["created"],
              "adopted_from_another_run": outcome["adopted"], "scheduled_for_deletion": outcome["scheduled"]}
    if outcome["metadata"]:
        result.update(key_id=outcome["metadata"]["KeyId"], key_arn=outcome["metadata"]["Arn"])
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": outcome["before"], "after": outcome["after"]}
    module.exit_json(**result)


def main() -> None:
    argument_spec = dict(
        alias=dict(type="str", required=True, aliases=["key_alias"]),
        description=dict(type="str"),
        policy=dict(type="json"),
        enable_key_rotation=dict(type="bool"),
        enabled=dict(type="bool", default=True),
        pending_window_days=dict(type="int", default=7),
        state=dict(type="str", choices=["present"], default="present"),
    )
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()

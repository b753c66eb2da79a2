#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: lambda_function_tags
short_description: Tags of an existing Lambda function
version_added: 0.2.0
description:
  - Adds, changes or (with O(purge_tags)) removes the tags of an existing Lambda function, without touching its code or
    configuration (M(amazon.aws.lambda) manages tags only together with the function).
  - The alerting roles record with it, as their last step, the fingerprint of the inputs they applied
    (C(dbaudit:inputs-sha256)), which C(enable_audit.yml) compares to leave a converged pipeline alone.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  function_name:
    description: Name or ARN of the function.
    type: str
    required: true
  tags:
    description: Tags the function must carry (string values).
    type: dict
    required: true
  purge_tags:
    description: Remove the tags not in O(tags).
    type: bool
    default: false
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Record what the pipeline was made from
  dbaudit.postgresql.lambda_function_tags:
    function_name: dbaudit-das-decrypt
    tags:
      dbaudit:inputs-sha256: "{{ fingerprint }}"
"""

RETURN = r"""
function_arn:
  description: ARN of the function (unqualified).
  returned: success
  type: str
  sample: arn:aws:lambda:eu-west-1:123456789012:function:dbaudit-das-decrypt
tags:
  description: The function's tags after the task (what they would be, in check mode).
  returned: success
  type: dict
  sample: {"dbaudit:inputs-sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
diff:
  description: The tags before and after, in diff mode.
  returned: when diff mode is on
  type: dict
"""

from typing import Any
from typing import Dict

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import LambdaErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.alerting_record import read_function
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule
from ansible_collections.dbaudit.postgresql.plugins.module_utils.refusal import Refusal


@LambdaErrors.common_error_handler("tag Lambda function {arn}")
@AWSRetry.jittered_backoff()
def tag_function(client, arn: str, tags: Dict[str, str]) -> None:
    client.tag_resource(Resource=arn, Tags=tags)


@LambdaErrors.common_error_handler("untag Lambda function {arn}")
@AWSRetry.jittered_backoff()
def untag_function(client, arn: str, keys: list) -> None:
    client.untag_resource(Resource=arn, TagKeys=keys)


def ensure_tags(client, name: str, wanted: Dict[str, str], purge: bool, check_mode: bool) -> Dict[str, Any]:
    """Bring the function's tags to ``wanted`` (plus the others unless ``purge``); before, after and the ARN."""
    found = read_function(client, name)
    if found is None:
        raise Refusal(f"Lambda function {name} does not exist; nothing was changed")
    arn = found["Configuration"]["FunctionArn"]
    before = dict(found.get("Tags") or {})
    after = dict(wanted) if purge else dict(before, **wanted)
    if not check_mode:
        removed = sorted(set(before) - set(after))
        added = dict((k, v) for k, v in after.items() if before.get(k) != v)
        if removed:
            untag_function(client, arn, removed)
        if added:
            tag_function(client, arn, added)
    return {"function_arn": arn, "before": before, "after": after}


def do(module) -> None:
    wanted = dict((str(k), "" if v is None else str(v)) for k, v in module.params["tags"].items())
    outcome = ensure_tags(module.client("lambda"), module.params["function_name"], wanted, module.params["purge_tags"],
                          module.check_mode)
    result = {"changed": outcome["before"] != outcome["after"], "function_arn": outcome["function_arn"],
              "tags": outcome["after"]}
    if module._diff:
        result["diff"] = {"before": {"tags": outcome["before"]}, "after": {"tags": outcome["after"]}}
    module.exit_json(**result)


def main() -> None:
    module = DbauditAWSModule(
        argument_spec=dict(function_name=dict(type="str", required=True),
                           tags=dict(type="dict", required=True),
                           purge_tags=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    module.run(do)


if __name__ == "__main__":
    main()

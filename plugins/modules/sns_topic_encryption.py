#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sns_topic_encryption
short_description: Server-side encryption (KMS key) of an SNS topic
version_added: 0.1.0
description:
  - Sets or removes the C(KmsMasterKeyId) attribute of an existing SNS topic, which
    M(community.aws.sns_topic) does not manage.
  - The key is compared as given (an id, ARN, alias name or alias ARN are all accepted by SNS and
    stored as given), so give it the same way on every run.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  topic_arn:
    description: ARN of the topic.
    type: str
    required: true
  kms_master_key_id:
    description:
      - KMS key that encrypts the topic's messages at rest. The empty string turns encryption off.
      - A customer managed key must let the publishers (and, for AWS services publishing, the
        service principal) use C(kms:GenerateDataKey*) and C(kms:Decrypt).
    type: str
    required: true
extends_documentation_fragment:
  - dbaudit.postgresql.attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Encrypt the alert topic with a customer managed key
  dbaudit.postgresql.sns_topic_encryption:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:dbaudit-alerts
    kms_master_key_id: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""

RETURN = r"""
kms_master_key_id:
  description: The topic's key after the run (empty when not encrypted).
  returned: always
  type: str
  sample: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
diff:
  description: The topic's C(kms_master_key_id) before and after the task.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_errors import AWSErrors
from ansible_collections.dbaudit.postgresql.plugins.module_utils.aws_module import DbauditAWSModule

SNSErrors = AWSErrors.variant(missing_codes=("NotFound",))


@SNSErrors.list_error_handler("read the attributes of {topic_arn}", None)
@AWSRetry.jittered_backoff()
def topic_key(client, topic_arn):
    """The topic's KMS key ("" when it is not encrypted); None when there is no such topic."""
    return client.get_topic_attributes(TopicArn=topic_arn)["Attributes"].get("KmsMasterKeyId", "")


@SNSErrors.common_error_handler("set the KMS key of {topic_arn}")
@AWSRetry.jittered_backoff()
def set_topic_key(client, topic_arn, key):
    client.set_topic_attributes(TopicArn=topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=key)


def do(module):
    topic_arn, wanted = module.params["topic_arn"], module.params["kms_master_key_id"]
    if not topic_arn.startswith("arn:") or ":sns:" not in topic_arn:
        module.fail_json(msg=f"topic_arn={topic_arn!r} is not an SNS topic ARN")
    client = module.client("sns")
    current = topic_key(client, topic_arn)
    if current is None:
        if module.check_mode:
            module.exit_json(changed=True, kms_master_key_id=wanted,
                             msg="The topic does not exist yet; it would be encrypted once created.",
                             diff={"before": {}, "after": {"kms_master_key_id": wanted}})
        module.fail_json(msg=f"Topic {topic_arn} not found")
    changed = current != wanted
    if changed and not module.check_mode:
        set_topic_key(client, topic_arn, wanted)
    module.exit_json(changed=changed, kms_master_key_id=wanted,
                     diff={"before": {"kms_master_key_id": current}, "after": {"kms_master_key_id": wanted}})


def main():
    argument_spec = dict(
        topic_arn=dict(type="str", required=True),
        kms_master_key_id=dict(type="str", required=True, no_log=False),
    )
    module = DbauditAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(do)


if __name__ == "__main__":
    main()

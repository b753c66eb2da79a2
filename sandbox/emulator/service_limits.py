"""The size limits a fleet meets, refused as AWS refuses them (moto stores any size).

- IAM: the inline policies of one role together at most 10,240 characters, whitespace not counted
  (PutRolePolicy -> ``LimitExceeded``, HTTP 409, "Maximum policy size of 10240 bytes exceeded for role X").
- Lambda: a function's resource-based policy at most 20,480 bytes (AddPermission ->
  ``PolicyLengthExceededException``, HTTP 400, "The final policy size (N) is bigger than the limit (20480).");
  and one statement per statement id (AddPermission of an id the policy holds -> ``ResourceConflictException``,
  HTTP 409; moto appended a second statement, so two runs adding the same permission at once both "succeeded").
- CloudWatch Logs: moto already refuses a third subscription filter on a log group, but also refused to
  update one of two existing filters (its check comes before the update); AWS updates it.

The numbers are written here on purpose rather than imported from the collection: the emulator plays AWS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.iam.exceptions import LimitExceededException
from moto.iam.models import IAMBackend

ROLE_INLINE_POLICIES_MAX_CHARS = 10240
LAMBDA_RESOURCE_POLICY_MAX_BYTES = 20480

_WHITESPACE = re.compile(r"\s+")


def policy_chars(document: str) -> int:
    """Characters IAM counts in a policy document: all but whitespace."""
    return len(_WHITESPACE.sub("", document))


def role_inline_chars(policies: dict[str, str], policy_name: str, document: str) -> int:
    """What the role's inline policies add up to once ``policy_name`` holds ``document``."""
    others = sum(policy_chars(text) for name, text in policies.items() if name != policy_name)
    return others + policy_chars(document)


class PolicyLengthExceeded(LambdaClientError):
    code = 400

    def __init__(self, size: int) -> None:
        limit = LAMBDA_RESOURCE_POLICY_MAX_BYTES
        super().__init__("PolicyLengthExceededException",
                         f"The final policy size ({size}) is bigger than the limit ({limit}).")


class StatementIdExists(LambdaClientError):
    code = 409

    def __init__(self, sid: str) -> None:
        super().__init__("ResourceConflictException",
                         f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                         "or remove the existing statement.")


def lambda_policy_bytes(statements: list[dict[str, Any]]) -> int:
    """Size of the function policy Lambda would store (compact JSON, as GetPolicy returns it)."""
    document = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    return len(json.dumps(document, separators=(",", ":")).encode())


def _install_iam() -> None:
    put_role_policy: Callable[..., None] = IAMBackend.put_role_policy

    def limited_put_role_policy(self: IAMBackend, role_name: str, policy_name: str, policy_json: str) -> None:
        role = self.get_role(role_name)
        if role_inline_chars(dict(role.policies), policy_name, policy_json) > ROLE_INLINE_POLICIES_MAX_CHARS:
            raise LimitExceededException(
                f"Maximum policy size of {ROLE_INLINE_POLICIES_MAX_CHARS} bytes exceeded for role {role_name}")
        put_role_policy(self, role_name, policy_name, policy_json)

    IAMBackend.put_role_policy = limited_put_role_policy  # type: ignore[method-assign]


def _install_lambda() -> None:
    from moto.awslambda.policy import Policy

    add_statement: Callable[..., tuple[Any, str]] = Policy.add_statement

    def limited_add_statement(self: Policy, raw: str, qualifier: str | None = None) -> tuple[Any, str]:
        sid = json.loads(raw).get("StatementId")
        if sid is not None and any(statement.get("Sid") == sid for statement in self.statements):
            raise StatementIdExists(sid)
        statements, revision = list(self.statements), self.revision
        result = add_statement(self, raw, qualifier)
        size = lambda_policy_bytes(self.statements)
        if size > LAMBDA_RESOURCE_POLICY_MAX_BYTES:
            self.statements, self.revision = statements, revision
            raise PolicyLengthExceeded(size)
        return result

    Policy.add_statement = limited_add_statement  # type: ignore[method-assign]


def _install_logs() -> None:
    from moto.logs.models import LogGroup

    put_subscription_filter: Callable[..., None] = LogGroup.put_subscription_filter

    def put_or_update_subscription_filter(self: LogGroup, filter_name: str, filter_pattern: str,
                                          destination_arn: str, role_arn: str) -> None:
        if filter_name in self.subscription_filters:
            self.subscription_filters[filter_name].update(filter_pattern, destination_arn, role_arn)
            return
        put_subscription_filter(self, filter_name, filter_pattern, destination_arn, role_arn)

    LogGroup.put_subscription_filter = put_or_update_subscription_filter  # type: ignore[method-assign]


def install() -> None:
    _install_iam()
    _install_lambda()
    _install_logs()

"""PutRetentionPolicy accepts only the retentions CloudWatch Logs has, as AWS does.

moto stores any number (0, -5, 42) as the group's retention; AWS answers InvalidParameterException
(HTTP 400) with its validation message naming the enum. The list is written here on purpose rather
than imported from the collection: the emulator plays AWS, and must not agree with the code under
test by construction.
"""

from __future__ import annotations

from collections.abc import Callable

from moto.logs.exceptions import InvalidParameterException
from moto.logs.models import LogsBackend

# The retentionInDays enum of the CloudWatch Logs API reference (PutRetentionPolicy).
AWS_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)


def check_retention(retention_in_days: object) -> None:
    if retention_in_days not in AWS_RETENTION_DAYS or isinstance(retention_in_days, bool):
        raise InvalidParameterException(
            constraint="Member must satisfy enum value set: [" + ", ".join(map(str, AWS_RETENTION_DAYS)) + "]",
            parameter="retentionInDays", value=retention_in_days)


def install() -> None:
    put_retention: Callable[..., None] = LogsBackend.put_retention_policy

    def put_retention_policy(self: LogsBackend, log_group_name: str, retention_in_days: object) -> None:
        check_retention(retention_in_days)
        put_retention(self, log_group_name, retention_in_days)

    LogsBackend.put_retention_policy = put_retention_policy  # type: ignore[method-assign]

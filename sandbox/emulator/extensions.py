"""The list of emulator extensions, applied in order before the server serves a request."""

from __future__ import annotations

import importlib

# Each entry is a module of this package with an ``install()`` function.
EXTENSIONS: list[str] = [
    "moto_fixes",            # moto bugs the sandbox meets
    "control_api",           # /dbaudit-api/config and the throttling fault switch
    "rds_parameter_groups",  # engine defaults, validation, reset/copy/delete as AWS
    "rds_apply_status",      # pending-reboot / in-sync, reboots, group attachment
    "rds_log_exports",       # CloudwatchLogsExportConfiguration takes effect
    "rds_activity_streams",  # start/stop_activity_stream and the aws-rds-das-* stream
    "logs_retention",        # PutRetentionPolicy refuses retentions CloudWatch Logs does not have
    "service_limits",        # IAM inline policy and Lambda resource policy sizes, subscription filter updates
    "serialised_requests",   # RDS requests one at a time; failures inside moto as InternalFailure, not HTML
]


def install() -> list[str]:
    installed = []
    for name in EXTENSIONS:
        module = importlib.import_module(f"{__package__}.{name}")
        module.install()
        installed.append(name)
    return installed

"""Alerting logic shared by the das_decrypt and audit_alert Lambda functions.

The build copies this package into both deployment zips, so a rule, a redaction or a subject
line behaves the same whichever path (Database Activity Streams or pgAudit log lines) an audit
event took. Everything here is pure Python except ``alert_dispatch``, which takes an SNS client
from its caller.
"""

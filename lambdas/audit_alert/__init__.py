"""audit_alert Lambda function (handler ``audit_alert.handler.handler``); see handler.py."""

"""Throttling errors in each AWS protocol's own error format, so botocore retries them.

botocore recognises throttling by error code (``Throttling``, ``ThrottlingException``,
``RequestLimitExceeded``, ``SlowDown``...), which it reads from a different place per protocol:
the XML ``ErrorResponse`` of query services such as RDS, the ``__type`` of JSON services such
as Kinesis or CloudWatch Logs, the ``<Error>`` document of S3.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
REST_XML_SERVICES = frozenset({"s3", "s3-control", "route53", "cloudfront"})
# JSON services that moved from the query protocol: botocore takes their error code from the
# x-amzn-query-error header, which for them must carry the query-era code.
QUERY_COMPATIBLE_SERVICES = frozenset({"sqs", "monitoring"})


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service an SDK request is for, from its SigV4 credential scope (header or presigned URL)."""
    for source in (environ.get("HTTP_AUTHORIZATION", ""), environ.get("QUERY_STRING", "")):
        match = _CREDENTIAL.search(source.replace("%2F", "/"))
        if match:
            return match.group(1).lower()
    return None


def protocol(environ: dict[str, Any], service: str | None) -> str:
    """The request's wire protocol: query, ec2, json, rest-json or rest-xml."""
    content_type = environ.get("CONTENT_TYPE", "") or ""
    if environ.get("HTTP_X_AMZ_TARGET") or "x-amz-json" in content_type:
        return "json"
    if content_type.startswith("application/x-www-form-urlencoded") or "Action=" in environ.get("QUERY_STRING", ""):
        return "ec2" if service == "ec2" else "query"
    if service in REST_XML_SERVICES:
        return "rest-xml"
    return "rest-json"


def response(protocol_name: str, service: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    """(HTTP status, headers, body) of a throttling error in ``protocol_name``."""
    request_id = str(uuid.uuid4())
    if protocol_name in ("json", "rest-json"):
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "ThrottlingException"),
                   ("x-amzn-RequestId", request_id)]
        if service in QUERY_COMPATIBLE_SERVICES:
            headers.append(("x-amzn-query-error", "Throttling;Sender"))
        return 400, headers, body
    if protocol_name == "ec2":
        body = (f"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
        return 503, [("Content-Type", "text/xml")], body
    if protocol_name == "rest-xml" and service in ("s3", "s3-control"):
        body = (f"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
                f"<RequestId>{request_id}</RequestId></Error>").encode()
        return 503, [("Content-Type", "application/xml")], body
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    return 400, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body

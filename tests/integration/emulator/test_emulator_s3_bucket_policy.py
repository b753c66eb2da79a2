"""Bucket policies in the emulator: the TLS-only statement (Deny when aws:SecureTransport is false) does not
apply, as every request to the emulator stands for one to AWS's HTTPS endpoint; other statements still do."""

from __future__ import annotations

import json

from emulator_testing import error_of


def policy(bucket: str, statement: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [dict(statement, Principal="*", Resource=[
        f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"])]})


def test_tls_only_policy_lets_requests_through_and_a_plain_deny_still_denies(aws_client, unique_name):
    s3 = aws_client("s3")
    tls_only, denied = unique_name("tls-only-"), unique_name("denied-")
    for bucket in (tls_only, denied):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    s3.put_bucket_policy(Bucket=tls_only, Policy=policy(tls_only, {
        "Effect": "Deny", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
    s3.put_bucket_policy(Bucket=denied, Policy=policy(denied, {"Effect": "Deny", "Action": "s3:GetObject"}))

    assert s3.get_object(Bucket=tls_only, Key="k")["Body"].read() == b"body"
    assert error_of(s3.get_object, Bucket=denied, Key="k")[1] == 403

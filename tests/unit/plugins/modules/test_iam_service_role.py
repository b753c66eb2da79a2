"""Pure helpers of iam_service_role: the trust policy read in every form IAM and users give it, and what changes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import iam_service_role as isr  # noqa: E402

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}
ROLE = {"RoleName": "fn", "Arn": "arn:aws:iam::123456789012:role/fn", "Description": "Execution role of fn",
        "AssumeRolePolicyDocument": TRUST}
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "Logs", "Effect": "Allow", "Resource": "*",
                                                  "Action": ["logs:CreateLogStream", "logs:PutLogEvents"]}]}


def test_policy_document_reads_dicts_json_and_url_encoded_json():
    assert isr.policy_document(TRUST) is TRUST
    assert isr.policy_document(json.dumps(TRUST)) == TRUST
    assert isr.policy_document(quote(json.dumps(TRUST))) == TRUST


def test_the_same_role_needs_no_change_whatever_the_policy_layout():
    single = {"Statement": {"Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"],
                            "Effect": "Allow"}, "Version": "2012-10-17"}
    changes = isr.role_changes(dict(ROLE, AssumeRolePolicyDocument=quote(json.dumps(single))), [], TRUST,
                               "Execution role of fn", [])
    assert not isr.any_change(changes), changes
    assert not isr.any_change(isr.role_changes(ROLE, [], TRUST, None, []))  # description not asked: left alone


def test_changes_of_an_existing_role():
    firehose = {"Version": "2012-10-17", "Statement": [dict(TRUST["Statement"][0],
                                                            Principal={"Service": "firehose.amazonaws.com"})]}
    changes = isr.role_changes(ROLE, [READ_ONLY], firehose, "other", [])
    assert changes == {"trust": True, "description": True, "attach": [], "detach": [READ_ONLY], "put": []}


def test_a_missing_role_is_created_with_the_asked_policies():
    assert isr.role_changes(None, [], TRUST, None, [READ_ONLY, READ_ONLY], {}, {"fn": POLICY}) == {
        "trust": False, "description": False, "attach": [READ_ONLY], "detach": [], "put": ["fn"]}


def test_shown_and_predicted_role():
    assert isr.shown_role("fn", None, []) == {}
    shown = isr.shown_role("fn", ROLE, [READ_ONLY], {"fn": POLICY, "missing": None})
    assert shown == {"role_name": "fn", "arn": ROLE["Arn"], "description": "Execution role of fn",
                     "assume_role_policy_document": TRUST, "managed_policies": [READ_ONLY],
                     "inline_policies": {"fn": POLICY}}
    predicted = isr.shown_role("fn", isr.predicted_role(None, TRUST, "new"), [])
    assert predicted == {"role_name": "fn", "description": "new", "assume_role_policy_document": TRUST,
                         "managed_policies": [], "inline_policies": {}}


def test_inline_policies_are_put_only_when_missing_or_different():
    reordered = {"Statement": {"Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": ["*"],
                               "Effect": "Allow", "Sid": "Logs"}, "Version": "2012-10-17"}
    same = isr.role_changes(ROLE, [], TRUST, None, [], {"fn": reordered}, {"fn": POLICY})
    assert not isr.any_change(same), same
    wider = {"Version": "2012-10-17", "Statement": [dict(POLICY["Statement"][0], Resource="arn:aws:logs:*")]}
    changes = isr.role_changes(ROLE, [], TRUST, None, [], {"fn": wider, "other": None},
                               {"fn": POLICY, "other": POLICY})
    assert changes["put"] == ["fn", "other"] and isr.any_change(changes)
    # A policy the role holds but the task does not name is not read, so it is no change.
    assert isr.role_changes(ROLE, [], TRUST, None, [], {}, {})["put"] == []


def test_inline_documents_read_json_text_and_name_the_bad_one():
    assert isr.inline_documents({"fn": json.dumps(POLICY), "other": POLICY}) == {"fn": POLICY, "other": POLICY}
    assert isr.inline_documents(None) == {}
    try:
        isr.inline_documents({"fn": "{not json"})
    except ValueError as e:
        assert "inline policy fn is not a JSON policy" in str(e)
    else:
        raise AssertionError("a policy that is not JSON was accepted")
    for not_a_policy in ("[]", "null", '{"Version": "2012-10-17"}', []):
        try:
            isr.inline_documents({"fn": not_a_policy})
        except ValueError as e:
            assert "inline policy fn is not a JSON policy" in str(e)
        else:
            raise AssertionError(f"{not_a_policy!r} was accepted as a policy")

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
    assert changes == {"trust": True, "description": True, "attach": [], "detach": [READ_ONLY]}


def test_a_missing_role_is_created_with_the_asked_policies():
    assert isr.role_changes(None, [], TRUST, None, [READ_ONLY, READ_ONLY]) == {
        "trust": False, "description": False, "attach": [READ_ONLY], "detach": []}


def test_shown_and_predicted_role():
    assert isr.shown_role("fn", None, []) == {}
    shown = isr.shown_role("fn", ROLE, [READ_ONLY])
    assert shown == {"role_name": "fn", "arn": ROLE["Arn"], "description": "Execution role of fn",
                     "assume_role_policy_document": TRUST, "managed_policies": [READ_ONLY]}
    predicted = isr.shown_role("fn", isr.predicted_role(None, TRUST, "new"), [])
    assert predicted == {"role_name": "fn", "description": "new", "assume_role_policy_document": TRUST,
                         "managed_policies": []}

"""dbaudit.postgresql.iam_service_role through ansible-playbook against the emulator: the standard sequence (check
on a fresh account, create, re-run, check re-run), a trust policy given in another layout is no change, a new
description and a managed policy to detach are changes, and no instance profile ever appears."""

from __future__ import annotations

import json

ROLE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: role
      dbaudit.postgresql.iam_service_role:
        name: "{{ role_name }}"
        description: "{{ description | default(omit) }}"
        assume_role_policy_document: "{{ trust }}"
      diff: true
"""
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}
SAME_TRUST_OTHER_LAYOUT = {"Statement": {"Principal": {"Service": ["lambda.amazonaws.com"]},
                                         "Action": ["sts:AssumeRole"], "Effect": "Allow"}, "Version": "2012-10-17"}


def test_service_role_sequence(playbook, aws_client, unique_name):
    iam = aws_client("iam")
    name = unique_name("svc")
    given = {"role_name": name, "trust": TRUST, "description": "first"}

    check = playbook(ROLE, extra_vars=given, check=True)
    assert check.rc == 0 and check.result("role")["changed"], check.explain()
    assert not check.result("role")["existed"]
    assert name not in [r["RoleName"] for r in iam.list_roles()["Roles"]]

    made = playbook(ROLE, extra_vars=given)
    assert made.rc == 0 and made.result("role")["changed"], made.explain()
    role = iam.get_role(RoleName=name)["Role"]
    assert made.result("role")["iam_role"]["arn"] == role["Arn"] and role["Description"] == "first"

    for check_mode in (False, True):
        again = playbook(ROLE, extra_vars=dict(given, trust=SAME_TRUST_OTHER_LAYOUT), check=check_mode)
        assert again.rc == 0 and not again.result("role")["changed"], again.explain()
        assert not again.stderr.count("[DEPRECATION WARNING]") and "[WARNING]" not in again.stderr, again.stderr

    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    extra = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=extra)
    changed = playbook(ROLE, extra_vars=dict(given, description="second"), diff=True)
    assert changed.rc == 0 and changed.result("role")["changed"], changed.explain()
    diff = changed.result("role")["diff"]
    assert (diff["before"]["description"], diff["after"]["description"]) == ("first", "second")
    assert diff["before"]["managed_policies"] == [extra] and diff["after"]["managed_policies"] == []
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "second"
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"] == []

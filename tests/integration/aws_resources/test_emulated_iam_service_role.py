"""dbaudit.postgresql.iam_service_role through ansible-playbook against the emulator: the standard sequence (check
on a fresh account, create, re-run, check re-run), a trust policy given in another layout is no change, a new
description and a managed policy to detach are changes, and no instance profile ever appears. Inline policies: the
same sequence, a policy the task does not name left alone, a bad policy refused before any write, and two runs at
once (job slices) over the same fresh roles both succeed, and the other run acting between this run's read and
its create, made deterministic as in test_emulated_kms_key_by_alias.py (the module's function runs in this process
against the emulator over HTTP; the rival run's calls go through the emulator just before this run's CreateRole)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from harness import CHECKOUT, Rival
from test_emulated_logs_log_group import writes_during

sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import iam_service_role as isr  # noqa: E402

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


WITH_INLINE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: role
      dbaudit.postgresql.iam_service_role:
        name: "{{ item }}"
        assume_role_policy_document: "{{ trust }}"
        inline_policies: "{{ {item: policy} }}"
      loop: "{{ service_roles }}"
      diff: true
"""
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "OwnLogGroup", "Effect": "Allow", "Resource": "*",
                                                  "Action": ["logs:CreateLogStream", "logs:PutLogEvents"]}]}
SAME_POLICY_OTHER_LAYOUT = {"Statement": {"Resource": ["*"], "Effect": "Allow", "Sid": "OwnLogGroup",
                                          "Action": ["logs:PutLogEvents", "logs:CreateLogStream"]},
                            "Version": "2012-10-17"}


def inline_of(iam, name: str) -> dict:
    return {policy_name: iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]}


def test_inline_policy_sequence(playbook, aws_client, unique_name, sandbox_env):
    endpoint = sandbox_env["aws"]["endpoint_url"]
    iam = aws_client("iam")
    name = unique_name("inl")
    given = {"service_roles": [name], "trust": TRUST, "policy": POLICY}

    check, writes = writes_during(endpoint, lambda: playbook(WITH_INLINE, extra_vars=given, check=True, diff=True))
    assert check.rc == 0 and writes == {}, check.explain()
    [item] = check.result("role")["results"]
    assert item["changed"] and item["diff"]["after"]["inline_policies"] == {name: POLICY}

    made, writes = writes_during(endpoint, lambda: playbook(WITH_INLINE, extra_vars=given))
    assert made.rc == 0, made.explain()
    assert writes == {"iam:CreateRole": 1, "iam:PutRolePolicy": 1}, writes
    assert inline_of(iam, name) == {name: POLICY}

    iam.put_role_policy(RoleName=name, PolicyName="by-hand", PolicyDocument=json.dumps(POLICY))
    again, writes = writes_during(endpoint, lambda: playbook(
        WITH_INLINE, extra_vars=dict(given, policy=SAME_POLICY_OTHER_LAYOUT)))
    assert again.rc == 0 and not again.result("role")["changed"] and writes == {}, again.explain()

    narrower = {"Version": "2012-10-17", "Statement": [dict(POLICY["Statement"][0], Resource="arn:aws:logs:*")]}
    changed = playbook(WITH_INLINE, extra_vars=dict(given, policy=narrower), diff=True)
    assert changed.rc == 0, changed.explain()
    [item] = changed.result("role")["results"]
    assert item["changed"] and item["diff"]["before"]["inline_policies"] == {name: POLICY}
    assert inline_of(iam, name) == {name: narrower, "by-hand": POLICY}

    bad, writes = writes_during(endpoint, lambda: playbook(
        WITH_INLINE, extra_vars=dict(given, service_roles=[unique_name("inl")], policy="{not json")))
    assert bad.rc != 0 and writes == {}, bad.explain()
    assert "is not a JSON policy" in bad.result("role")["results"][0]["msg"]


def test_two_runs_at_once_over_the_same_fresh_roles_both_succeed(playbook, aws_client, unique_name):
    """What two job slices do to a pipeline's roles on a first run: each run creates the roles and puts their
    policies, in the same order. Which steps meet the other run's half-done work depends on timing; the tests
    below play the interleavings deterministically."""
    iam = aws_client("iam")
    names = [unique_name("race") for number in range(8)]
    given = {"service_roles": names, "trust": TRUST, "policy": POLICY}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda run: playbook(WITH_INLINE, extra_vars=given), range(2)))
    for run in runs:
        assert run.rc == 0, run.explain()
    for name in names:
        assert inline_of(iam, name) == {name: POLICY}, name


def test_a_role_another_run_made_as_asked_meanwhile_is_adopted_with_no_change(aws_client, unique_name):
    iam = aws_client("iam")
    name = unique_name("adopt")

    def other_run_makes_it_all():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(POLICY))

    client = Rival(iam, {"create_role": other_run_makes_it_all})
    changed, before, after = isr.ensure_role(client, False, name, TRUST, None, [], {name: POLICY})
    assert client.calls[:2] == ["get_role", "create_role"], client.calls
    assert (changed, "put_role_policy" in client.calls) == (False, False), client.calls
    assert before == after and after["inline_policies"] == {name: POLICY}
    assert inline_of(iam, name) == {name: POLICY}


def test_a_role_another_run_made_with_an_older_policy_meanwhile_gets_this_runs_policy(aws_client, unique_name):
    iam = aws_client("iam")
    name = unique_name("adopt")
    older = {"Version": "2012-10-17", "Statement": [dict(POLICY["Statement"][0], Resource="arn:aws:logs:*")]}

    def other_run_makes_it_older():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(older))

    client = Rival(iam, {"create_role": other_run_makes_it_older})
    changed, before, after = isr.ensure_role(client, False, name, TRUST, "the newer run", [], {name: POLICY})
    assert changed and client.calls.count("put_role_policy") == 1, client.calls
    assert before["inline_policies"] == {name: older} and after["inline_policies"] == {name: POLICY}
    assert after["description"] == "the newer run" and inline_of(iam, name) == {name: POLICY}


def test_a_policy_another_run_puts_between_this_runs_read_and_put_is_no_error(aws_client, unique_name):
    """The interleaving that failed amazon.aws.iam_policy (a KeyError on the policy another run added between its
    two lists of the role's policies): here the put simply writes the asked document again."""
    iam = aws_client("iam")
    name = unique_name("adopt")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    client = Rival(iam, {"put_role_policy": lambda: iam.put_role_policy(
        RoleName=name, PolicyName=name, PolicyDocument=json.dumps(SAME_POLICY_OTHER_LAYOUT))})
    changed, before, after = isr.ensure_role(client, False, name, TRUST, None, [], {name: POLICY})
    assert changed and before["inline_policies"] == {} and after["inline_policies"] == {name: POLICY}

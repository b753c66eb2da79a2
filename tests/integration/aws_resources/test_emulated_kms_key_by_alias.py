"""dbaudit.postgresql.kms_key_by_alias against the emulator: two runs that both find no alias both create a key,
and the one whose CreateAlias loses adopts the other's key and schedules its own for deletion (7 days), so no key
is left without an alias; and through ansible-playbook, the usual sequence (check, create, again, check).

The race is made deterministic as in tests/integration/rds/test_concurrent_runs.py: the module's function runs in
this process against the emulator over HTTP, and the rival run (its CreateKey and CreateAlias) is played through
the emulator's API just before this run's CreateAlias. Everything else - requests, errors - is the emulator's."""

from __future__ import annotations

import sys

from harness import CHECKOUT, Rival, run_playbook

sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.modules import kms_key_by_alias  # noqa: E402


def params(alias: str, **overrides) -> dict:
    return dict(dict(alias=alias, description="made by a race test", policy=None, enable_key_rotation=True,
                     enabled=True, pending_window_days=7, state="present"), **overrides)


def keys_by_state(kms) -> dict[str, str]:
    return {k["KeyId"]: kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
            for k in kms.list_keys()["Keys"]}


def test_the_run_that_loses_create_alias_adopts_the_winner_and_schedules_its_own_key_for_deletion(
        aws_client, unique_name):
    kms = aws_client("kms")
    alias = "alias/" + unique_name("race-key-")
    winner = {}

    def other_run_creates_key_and_alias():
        winner["key_id"] = kms.create_key(Description="the other run's key")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=winner["key_id"])

    keys_before = set(keys_by_state(kms))
    client = Rival(kms, {"create_alias": other_run_creates_key_and_alias})
    outcome = kms_key_by_alias.ensure_present(client, False, params(alias))

    assert "create_key" in client.calls and "create_alias" in client.calls  # this run did lose the race
    assert outcome["adopted"] and not outcome["created"] and outcome["changed"]
    assert outcome["metadata"]["KeyId"] == winner["key_id"]
    assert kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == winner["key_id"]
    new_keys = {key: state for key, state in keys_by_state(kms).items() if key not in keys_before}
    assert new_keys == {winner["key_id"]: "Enabled", outcome["scheduled"]: "PendingDeletion"}
    # The adopted key gets what this run asked for too.
    assert kms.get_key_rotation_status(KeyId=winner["key_id"])["KeyRotationEnabled"] is True
    assert kms.describe_key(KeyId=winner["key_id"])["KeyMetadata"]["Description"] == "made by a race test"

    again = kms_key_by_alias.ensure_present(kms, False, params(alias))
    assert (again["changed"], again["metadata"]["KeyId"]) == (False, winner["key_id"])


PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: key
      dbaudit.postgresql.kms_key_by_alias:
        alias: "{{ alias }}"
        description: "{{ description }}"
        enable_key_rotation: true
      diff: true
"""


def test_check_create_again_and_check_through_ansible(sandbox_env, aws_client, unique_name):
    kms = aws_client("kms")
    alias = unique_name("play-key-")
    variables = {"alias": alias, "description": "the alerting key"}

    checked = run_playbook(PLAY, sandbox_env, extra_vars=variables, check=True)
    assert checked.rc == 0 and checked.result("key")["changed"], checked.explain()
    assert f"alias/{alias}" not in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}

    created = run_playbook(PLAY, sandbox_env, extra_vars=variables)
    result = created.result("key")
    assert created.rc == 0 and result["changed"] and result["created"], created.explain()
    key_id = kms.describe_key(KeyId=f"alias/{alias}")["KeyMetadata"]["KeyId"]
    assert (result["key_id"], result["alias"]) == (key_id, f"alias/{alias}")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True

    again = run_playbook(PLAY, sandbox_env, extra_vars=variables)
    assert again.rc == 0 and not again.result("key")["changed"], again.explain()
    assert again.result("key")["key_arn"].endswith(f":key/{key_id}")


def test_an_existing_key_is_brought_to_what_is_asked_and_reports_it(aws_client, unique_name):
    kms = aws_client("kms")
    alias = "alias/" + unique_name("settings-key-")
    made = kms_key_by_alias.ensure_present(kms, False, params(alias, enable_key_rotation=None))
    assert made["created"] and made["before"] == {}
    key_id = made["metadata"]["KeyId"]

    checked = kms_key_by_alias.ensure_present(kms, True, params(alias, description="renamed"))
    assert checked["changed"] and checked["before"]["description"] == "made by a race test"
    assert checked["after"]["description"] == "renamed" and checked["after"]["key_rotation_enabled"] is True
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "made by a race test"  # check mode

    changed = kms_key_by_alias.ensure_present(kms, False, params(alias, description="renamed", enabled=False))
    assert changed["changed"] and not changed["created"]
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["Description"], metadata["KeyState"]) == ("renamed", "Disabled")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert kms_key_by_alias.ensure_present(kms, False, params(alias, description="renamed", enabled=False))[
        "changed"] is False


def test_aws_managed_and_malformed_aliases_are_refused_before_any_call():
    for alias in ("alias/aws/rds", "aws/s3", "alias/", "alias/has space"):
        try:
            kms_key_by_alias.canonical_alias(alias)
        except kms_key_by_alias.Refusal:
            continue
        raise AssertionError(f"{alias!r} was accepted")
    assert kms_key_by_alias.canonical_alias("dbaudit-das") == "alias/dbaudit-das"

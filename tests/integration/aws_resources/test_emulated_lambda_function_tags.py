"""dbaudit.postgresql.lambda_function_tags through ansible-playbook against the emulator: check mode predicts and
writes nothing, a run tags, a re-run (and its check) changes nothing, other tags are kept unless purged, and a
missing function is refused with no write."""

from __future__ import annotations

import io
import json
import zipfile

TAGS = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: tags
      dbaudit.postgresql.lambda_function_tags:
        function_name: "{{ function }}"
        tags: "{{ tags }}"
        purge_tags: "{{ purge | default(false) }}"
"""


def _function(aws_client, name: str) -> str:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return None\n")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    role = aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return aws_client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                                Handler="handler.handler", Code={"ZipFile": archive.getvalue()},
                                                Tags={"owner": "dba"})["FunctionArn"]


def test_function_tags_sequence(playbook, aws_client, unique_name, emulator_config):
    name = unique_name("tags")
    arn = _function(aws_client, name)
    lam = aws_client("lambda")
    wanted = {"function": name, "tags": {"dbaudit:inputs-sha256": "a" * 64}}

    emulator_config({"reset_stats": True})
    check = playbook(TAGS, extra_vars=wanted, check=True, diff=True)
    assert check.rc == 0 and check.result("tags")["changed"], check.explain()
    assert check.result("tags")["diff"]["after"]["tags"] == {"owner": "dba", "dbaudit:inputs-sha256": "a" * 64}
    assert emulator_config({})["stats"]["writes"] == 0
    assert lam.list_tags(Resource=arn)["Tags"] == {"owner": "dba"}

    made = playbook(TAGS, extra_vars=wanted)
    assert made.rc == 0 and made.result("tags")["changed"], made.explain()
    assert "diff" not in made.result("tags")
    assert lam.list_tags(Resource=arn)["Tags"] == {"owner": "dba", "dbaudit:inputs-sha256": "a" * 64}
    for check_mode in (False, True):
        again = playbook(TAGS, extra_vars=wanted, check=check_mode)
        assert again.rc == 0 and not again.result("tags")["changed"], again.explain()

    purged = playbook(TAGS, extra_vars=dict(wanted, tags={"dbaudit:inputs-sha256": "b" * 64}, purge=True))
    assert purged.rc == 0 and purged.result("tags")["changed"], purged.explain()
    assert lam.list_tags(Resource=arn)["Tags"] == {"dbaudit:inputs-sha256": "b" * 64}


def test_a_missing_function_is_refused_without_a_write(playbook, unique_name, emulator_config):
    emulator_config({"reset_stats": True})
    refused = playbook(TAGS, extra_vars={"function": unique_name("missing"), "tags": {"k": "v"}})
    assert refused.rc != 0
    result = refused.result("tags")
    assert "does not exist; nothing was changed" in result["msg"] and result["changed"] is False
    assert emulator_config({})["stats"]["writes"] == 0

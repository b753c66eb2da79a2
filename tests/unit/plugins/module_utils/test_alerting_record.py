"""module_utils.alerting_record and the alerting_fingerprint / alerting_hosts filters: a pipeline's record of what
it was made from, and which hosts the alerting plays of enable_audit leave alone."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.filter import alerting_fingerprint as filters  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import alerting_record  # noqa: E402

VALUES = {"dbaudit_das_alerting_name": "dbaudit-das", "dbaudit_das_alerting_rules": [{"name": "grants"}],
          "dbaudit_cluster_id": "orders"}


def test_fingerprint_is_stable_and_changes_with_any_input_or_code_but_not_the_host():
    base = alerting_record.fingerprint(VALUES, ["tasks", "template"])
    assert len(base) == 64
    assert alerting_record.fingerprint(dict(reversed(list(VALUES.items()))), ["tasks", "template"]) == base
    assert alerting_record.fingerprint(dict(VALUES, dbaudit_cluster_id="billing"), ["tasks", "template"]) == base
    assert alerting_record.fingerprint(dict(VALUES, dbaudit_pgaudit_alerting_target="instance"),
                                       ["tasks", "template"]) == base
    assert alerting_record.fingerprint(dict(VALUES, dbaudit_das_alerting_prune_clusters=True),
                                       ["tasks", "template"]) == base
    # The activity stream key options have no effect on the pipeline and may differ per host (clusters on other keys).
    for name, value in (("dbaudit_das_kms_key_id", "arn:aws:kms:us-east-1:123456789012:key/own"),
                        ("dbaudit_das_key_alias", "alias/team-b")):
        assert alerting_record.fingerprint(dict(VALUES, **{name: value}), ["tasks", "template"]) == base
    assert alerting_record.fingerprint(dict(VALUES, dbaudit_das_alerting_name="other"), ["tasks", "template"]) != base
    assert alerting_record.fingerprint(dict(VALUES, dbaudit_das_alerting_rules=[]), ["tasks", "template"]) != base
    assert alerting_record.fingerprint(VALUES, ["tasks", "template changed"]) != base
    assert filters.alerting_fingerprint(VALUES, ["tasks", "template"]) == base


def test_the_code_digest_read_once_gives_each_host_the_fingerprint_of_the_texts():
    # The alerting roles read the code once per run (its digest) and fingerprint each host's values with it: the same
    # value as from the texts, so the fingerprint recorded by a role equals the one preflight computes.
    digest = filters.alerting_code_digest(["tasks", "template"])
    assert digest == alerting_record.code_digest(["tasks", "template"]) and len(digest) == 64
    from_texts = alerting_record.fingerprint(VALUES, ["tasks", "template"])
    assert filters.alerting_fingerprint(VALUES, code=digest) == from_texts
    assert filters.alerting_fingerprint(dict(VALUES, dbaudit_cluster_id="billing"), code=digest) == from_texts
    # The texts' order and boundaries count: two texts are not their concatenation.
    assert filters.alerting_code_digest(["template", "tasks"]) != digest
    assert filters.alerting_code_digest(["taskstemplate"]) != digest
    assert filters.alerting_fingerprint(VALUES, code=filters.alerting_code_digest(["tasks", "other"])) != \
        filters.alerting_fingerprint(VALUES, code=digest)
    assert filters.alerting_fingerprint(dict(VALUES, dbaudit_das_alerting_name="other"), code=digest) != \
        filters.alerting_fingerprint(VALUES, code=digest)
    with pytest.raises(Exception, match="texts or its digest"):
        filters.alerting_fingerprint(VALUES, ["tasks"], code=digest)
    with pytest.raises(Exception, match="64 hex characters"):
        filters.alerting_fingerprint(VALUES, code="abc")
    with pytest.raises(Exception, match="alerting_code_digest's texts must be a list"):
        filters.alerting_code_digest("tasks")


def test_recorded_fingerprint_reads_the_tag_of_one_get_function_and_reports_a_missing_function():
    # botocore's Stubber stands in for Lambda here: what is tested is the reading of GetFunction's answer (the
    # integration tests read real tags from the emulator).
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    calls: dict = {}
    with Stubber(client) as stub:
        stub.add_response("get_function", {"Configuration": {"FunctionName": "f"},
                                           "Tags": {alerting_record.FINGERPRINT_TAG: "abc", "other": "x"}},
                          {"FunctionName": "f"})
        stub.add_response("get_function", {"Configuration": {"FunctionName": "g"}}, {"FunctionName": "g"})
        stub.add_client_error("get_function", "ResourceNotFoundException", http_status_code=404,
                              expected_params={"FunctionName": "h"})
        assert alerting_record.recorded_fingerprint(client, "f", calls) == {"exists": True, "fingerprint": "abc"}
        assert alerting_record.recorded_fingerprint(client, "g", calls) == {"exists": True, "fingerprint": None}
        assert alerting_record.recorded_fingerprint(client, "h", calls) == {"exists": False, "fingerprint": None}
    assert calls == {"get_function": 3}


def apply(recorded, rolled_out=(), full_run=False, own="fp1"):
    hosts = ["a", "b", "c"]
    enabled = {"a": {"pgaudit_alerting": True, "das_alerting": True}, "b": {"pgaudit_alerting": True},
               "c": {}}
    functions = dict((h, {"pgaudit_alerting": "p-alert", "das_alerting": "d-decrypt"}) for h in hosts)
    fingerprints = dict((h, {"pgaudit_alerting": own, "das_alerting": own}) for h in hosts)
    return alerting_record.alerting_apply(hosts, enabled, functions, fingerprints, recorded, list(rolled_out),
                                          full_run)


def test_converged_pipelines_leave_every_host_out():
    recorded = {"p-alert": {"exists": True, "fingerprint": "fp1"}, "d-decrypt": {"exists": True, "fingerprint": "fp1"}}
    assert apply(recorded) == {"hosts": {"pgaudit_alerting": [], "das_alerting": []}, "reasons": {}}


def test_a_rolled_out_host_a_changed_input_a_missing_function_and_a_full_run_each_bring_hosts_in():
    recorded = {"p-alert": {"exists": True, "fingerprint": "fp1"}, "d-decrypt": {"exists": True, "fingerprint": "fp1"}}
    assert apply(recorded, rolled_out=["b"])["hosts"] == {"pgaudit_alerting": ["b"], "das_alerting": []}
    changed = apply(recorded, own="fp2")
    assert changed["hosts"] == {"pgaudit_alerting": ["a", "b"], "das_alerting": ["a"]}
    assert "was made from other inputs" in changed["reasons"]["a"][0]
    missing = apply({"p-alert": {"exists": True, "fingerprint": "fp1"}, "d-decrypt": {"exists": False}})
    assert missing["hosts"] == {"pgaudit_alerting": [], "das_alerting": ["a"]}
    assert missing["reasons"] == {"a": ["das_alerting: function d-decrypt does not exist"]}
    assert apply(recorded, full_run=True)["hosts"] == {"pgaudit_alerting": ["a", "b"], "das_alerting": ["a"]}


def test_the_filter_reads_policies_names_and_each_hosts_fingerprint():
    entries = [{"host": "a", "policy": {"pgaudit_alerting": True, "das_alerting": True, "das_enabled": False}},
               {"host": "b", "policy": {"pgaudit_alerting": True, "das_alerting": True, "das_enabled": True}}]
    alerting = {"a": {"pgaudit_alerting_function": "p-alert", "das_alerting_name": "d"},
                "b": {"pgaudit_alerting_function": "p-alert", "das_alerting_name": "d"}}
    hostvars = {"a": {"dbaudit_pgaudit_alerting_fingerprint": "fp1"},
                "b": {"dbaudit_pgaudit_alerting_fingerprint": "fp2", "dbaudit_das_alerting_fingerprint": "fp1"}}
    recorded = {"p-alert": {"exists": True, "fingerprint": "fp1"}, "d-decrypt": {"exists": True, "fingerprint": "fp1"}}
    result = filters.alerting_hosts(["a", "b"], hostvars, entries, alerting, recorded, [])
    # a: DAS alerting without a stream is not applied; b: its pgAudit inputs differ, its DAS ones match.
    assert result["hosts"] == {"pgaudit_alerting": ["b"], "das_alerting": []}
    # a and b reach one pgAudit function from different inputs: a conflict (no option names given to name).
    assert result["conflicts"] == [
        "pgaudit_alerting: the hosts of function p-alert give the role's options different values (defaults "
        "templated differently), so each run would apply it again from another host's; give them the same values, "
        "or another pipeline name: a / b"]


def test_hosts_of_one_function_with_different_fingerprints_conflict_naming_what_they_set_differently():
    hosts = ["a", "b", "c", "d", "e", "f"]
    enabled = dict((h, {"pgaudit_alerting": True, "das_alerting": True}) for h in hosts)
    # d, e and f reach another DAS pipeline, alike; a, b and c one pgAudit function alike.
    functions = dict((h, {"pgaudit_alerting": "p-alert", "das_alerting": "d-decrypt" if h < "d" else "o-decrypt"})
                     for h in hosts)
    fingerprints = dict((h, {"pgaudit_alerting": "fp1", "das_alerting": "fp1"}) for h in hosts)
    own = {"a": {}, "b": {"dbaudit_das_alerting_batch_size": 50}, "c": {"dbaudit_das_alerting_batch_size": 50}}
    assert alerting_record.option_conflicts(hosts, enabled, functions, fingerprints, lambda h, r: own[h]) == []
    fingerprints["b"]["das_alerting"] = fingerprints["c"]["das_alerting"] = "fp2"
    [conflict] = alerting_record.option_conflicts(hosts, enabled, functions, fingerprints, lambda h, r: own[h])
    assert conflict.startswith("das_alerting: the hosts of function d-decrypt give the role's options different "
                               "values (dbaudit_das_alerting_batch_size), ")
    assert conflict.endswith("another pipeline name: a / b, c")
    # A host without a fingerprint (not compared) or with that alerting off is left out.
    fingerprints["a"]["das_alerting"] = None
    assert alerting_record.option_conflicts(hosts, enabled, functions, fingerprints, lambda h, r: own[h]) == []
    fingerprints["a"]["das_alerting"] = "fp1"
    enabled["a"]["das_alerting"] = False
    assert alerting_record.option_conflicts(hosts, enabled, functions, fingerprints, lambda h, r: own[h]) == []


def test_the_filter_refuses_what_is_not_a_dict():
    with pytest.raises(Exception, match="alerting_fingerprint takes a dict"):
        filters.alerting_fingerprint(["not", "a", "dict"])


def test_hosts_that_set_the_same_options_alike_share_one_fingerprinted_host():
    options = {"pgaudit_alerting": ["dbaudit_cluster_id", "dbaudit_pgaudit_alerting_name", "dbaudit_aws_region"],
               "das_alerting": ["dbaudit_cluster_id", "dbaudit_das_alerting_name"]}
    hostvars = {"a": {"dbaudit_cluster_id": "a", "dbaudit_aws_region": "eu-west-1", "unrelated": 1},
                "b": {"dbaudit_cluster_id": "b", "dbaudit_aws_region": "eu-west-1", "unrelated": 2},
                "c": {"dbaudit_cluster_id": "c", "dbaudit_aws_region": "eu-west-1",
                      "dbaudit_pgaudit_alerting_name": "other"},
                "d": {"dbaudit_cluster_id": "d"},
                "e": {}}
    alerting = {"a": {"pgaudit_alerting": True, "das_alerting": True}, "b": {"pgaudit_alerting": True},
                "c": {"pgaudit_alerting": True, "das_alerting": True}, "d": {"pgaudit_alerting": True},
                "e": {"das_alerting": False}}
    result = filters.alerting_representatives(list(hostvars), hostvars, alerting, options)
    # b sets what a sets (cluster ids are per host), c names another pipeline, d leaves the region unset.
    assert result["representatives"] == {"pgaudit_alerting": {"a": "a", "b": "a", "c": "c", "d": "d"},
                                         "das_alerting": {"a": "a", "c": "a"}}
    assert result["fingerprinted"] == {"a": ["pgaudit_alerting", "das_alerting"], "c": ["pgaudit_alerting"],
                                       "d": ["pgaudit_alerting"]}
    with pytest.raises(Exception, match="no option names for das_alerting"):
        filters.alerting_representatives(["a"], hostvars, alerting, {"pgaudit_alerting": []})

    # alerting_hosts reads each host's fingerprint on the host that stands for it.
    entries = [{"host": h, "policy": {"pgaudit_alerting": True, "das_alerting": True, "das_enabled": True}}
               for h in "abcd"]
    names = dict((h, {"pgaudit_alerting_function": "p-alert", "das_alerting_name": "d"}) for h in "abcd")
    facts = dict(hostvars, a=dict(hostvars["a"], dbaudit_pgaudit_alerting_fingerprint="fp1",
                                  dbaudit_das_alerting_fingerprint="fp1"),
                 c=dict(hostvars["c"], dbaudit_pgaudit_alerting_fingerprint="fp2"),
                 d=dict(hostvars["d"], dbaudit_pgaudit_alerting_fingerprint="fp1"))
    recorded = {"p-alert": {"exists": True, "fingerprint": "fp1"}, "d-decrypt": {"exists": True, "fingerprint": "fp1"}}
    applied = filters.alerting_hosts(list("abcd"), facts, entries, names, recorded, [],
                                     representatives=result["representatives"])
    # b is a's (converged); c's pipeline inputs differ; d has no das_alerting fingerprint of its own: not its set's.
    assert applied["hosts"] == {"pgaudit_alerting": ["c"], "das_alerting": ["b", "d"]}


@pytest.mark.parametrize("role", ["pgaudit_alerting", "das_alerting"])
def test_a_role_default_templates_only_options_environment_lookups_or_the_host_name(role):
    """same_inputs takes hosts that set the same options alike for hosts with the same values: it holds while no
    default of the role (or of alerting_common, its dependency) templates a variable that is not one of its options,
    but for the per-host options (their values are left out of the fingerprint)."""
    import re

    import yaml

    options = set(yaml.safe_load((CHECKOUT / "roles" / role / "meta/argument_specs.yml").read_text())
                  ["argument_specs"]["main"]["options"])
    defaults = dict(yaml.safe_load((CHECKOUT / "roles/alerting_common/defaults/main.yml").read_text()),
                    **yaml.safe_load((CHECKOUT / "roles" / role / "defaults/main.yml").read_text()))
    allowed = options | {"lookup"}
    for name, value in defaults.items():
        for expression in re.findall(r"{{(.*?)}}", yaml.safe_dump(value)):
            expression = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)  # string literals name no variable
            used = set(re.findall(r"(?<![.\w])([A-Za-z_]\w*)", expression)) - {"or", "and", "not", "if", "else"}
            if name in alerting_record.PER_HOST_OPTIONS:
                used -= {"inventory_hostname"}
            assert used <= allowed, f"{name}'s default templates {sorted(used - allowed)}"

"""module_utils.logs_retention and the places that repeat its list: the retentions CloudWatch Logs accepts,
and the guards that keep log-group deletion out of the collection (amazon.aws.cloudwatchlogs_log_group 10.x
deletes a group on a retention outside its own, shorter list)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))
sys.path.insert(0, str(CHECKOUT))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import logs_group  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils import logs_retention  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import logs_log_group  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.modules import rds_log_exports  # noqa: E402

# The CloudWatch Logs API reference's retentionInDays enum (REFERENCE.md section 8), written out here so a
# change to the module_utils list has to be a deliberate one.
AWS_LIST = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
RETENTION_VARIABLES = {
    "pgaudit": ["dbaudit_log_retention_days"],
    "alerting_common": ["dbaudit_alerting_log_retention_days"],
    "das_alerting": ["dbaudit_das_alerting_log_retention_days"],
    "pgaudit_alerting": ["dbaudit_pgaudit_alerting_log_group_retention_days",
                         "dbaudit_pgaudit_alerting_log_retention_days"],
}


def test_the_list_is_aws_list():
    assert list(logs_retention.ALLOWED_RETENTION_DAYS) == AWS_LIST


@pytest.mark.parametrize("value", AWS_LIST + [str(d) for d in AWS_LIST] + [" 2557 "])
def test_every_aws_value_is_accepted_as_int_or_digits(value):
    assert logs_retention.parse_retention_days(value) == int(value)
    assert logs_retention.retention_days_problem(value) is None


@pytest.mark.parametrize("value", [0, -5, 42, 2555, 4000, "0", "-5", "42", "abc", "", None, True, 365.0, "365.0",
                                   [365]])
def test_other_values_are_refused_with_the_list(value):
    with pytest.raises(ValueError) as refused:
        logs_retention.parse_retention_days(value)
    assert repr(value) in str(refused.value)
    assert "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557" in str(refused.value)
    assert logs_retention.retention_days_problem(value) == str(refused.value)


@pytest.mark.parametrize("module", [logs_log_group, rds_log_exports], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_the_modules_document_and_enforce_the_same_choices(module):
    documented = yaml.safe_load(module.DOCUMENTATION)["options"]["retention_days"]
    assert documented["type"] == "int" and documented["choices"] == AWS_LIST


@pytest.mark.parametrize("role", sorted(RETENTION_VARIABLES))
def test_role_argument_specs_offer_only_aws_values(role):
    spec = yaml.safe_load((CHECKOUT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = {}
    for entry_point in spec["argument_specs"].values():  # alerting_common has one per task file
        options.update(entry_point.get("options", {}))
    for name in RETENTION_VARIABLES[role]:
        assert options[name]["type"] == "int", name
        assert options[name]["choices"] == AWS_LIST, name
    defaults = yaml.safe_load((CHECKOUT / "roles" / role / "defaults" / "main.yml").read_text())
    for name in RETENTION_VARIABLES[role]:
        assert defaults[name] in AWS_LIST, name


def test_the_emulator_refuses_with_the_same_list():
    from sandbox.emulator import logs_retention as emulated

    assert list(emulated.AWS_RETENTION_DAYS) == AWS_LIST


def _yaml_files(*folders):
    for folder in folders:
        yield from sorted((CHECKOUT / folder).rglob("*.yml"))
        yield from sorted((CHECKOUT / folder).rglob("*.yaml"))


def test_no_role_or_playbook_uses_the_module_that_deletes_log_groups():
    # cloudwatchlogs_log_group_info only reads; the module itself (any name it answers to) can delete a group.
    pattern = re.compile(r"\b(amazon\.aws\.)?cloudwatchlogs_log_group(?!_info)\b")
    users = [str(path.relative_to(CHECKOUT)) for path in _yaml_files("roles", "playbooks")
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert users == []
    examples = [path.name for path in (CHECKOUT / "plugins" / "modules").glob("*.py")
                if pattern.search(path.read_text(encoding="utf-8").split('RETURN = r"""')[0].split("EXAMPLES")[-1])]
    assert examples == []


@pytest.mark.parametrize("path", ["plugins/modules/logs_log_group.py", "plugins/modules/rds_log_exports.py",
                                  "plugins/module_utils/logs_group.py", "plugins/module_utils/logs.py"])
def test_the_code_that_makes_log_groups_cannot_delete_one(path):
    source = (CHECKOUT / path).read_text(encoding="utf-8")
    code = source.split('"""', 6)[-1] if "/modules/" in path else source  # after DOCUMENTATION, EXAMPLES, RETURN
    assert not re.search(r"delete_log_group|DeleteLogGroup", code)


def test_our_log_group_module_has_no_state():
    assert "state" not in yaml.safe_load(logs_log_group.DOCUMENTATION)["options"]


# Pure helpers of the module.

@pytest.mark.parametrize("existing, wanted, keep, expected", [
    (None, 365, False, False),                       # created, not changed
    ({"retentionInDays": 365}, 365, False, False),
    ({"retentionInDays": 90}, 365, False, True),
    ({"retentionInDays": 90}, 365, True, False),     # left alone
    ({}, 365, False, True),                          # never expires now
    ({"retentionInDays": 90}, None, False, True),    # to never expire
    ({}, None, False, False),
])
def test_retention_change(existing, wanted, keep, expected):
    assert logs_group.retention_change(existing, wanted, keep) is expected


def test_options_and_shown():
    assert logs_log_group.options_problem(None, None).startswith("give retention_days (one of 1, 3, 5")
    assert logs_log_group.options_problem(None, False).endswith("or never_expire=true")
    assert logs_log_group.options_problem(2557, None) is None
    assert logs_log_group.options_problem(None, True) is None
    assert logs_log_group.wanted_retention(None, True) is None
    assert logs_log_group.wanted_retention(2557, None) == 2557
    assert logs_group.shown(None) == {"exists": False, "retention_in_days": None}
    assert logs_group.shown({"retentionInDays": 7, "arn": "x"}) == {"exists": True, "retention_in_days": 7}
    assert logs_group.returned_group("/g", {"retentionInDays": 7, "arn": "a", "storedBytes": 3, "x": 1}) == {
        "log_group_name": "/g", "retention_in_days": 7, "arn": "a", "stored_bytes": 3}

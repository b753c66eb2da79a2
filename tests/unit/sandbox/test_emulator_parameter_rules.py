"""How the emulator judges a parameter change, without a server."""

from __future__ import annotations

import pytest
from moto.rds.exceptions import RDSClientError

from sandbox.emulator import catalog, parameter_rules

LIBRARIES = "auto_explain,pgaudit,pg_stat_statements,pg_hint_plan"


@pytest.mark.parametrize(("data_type", "allowed", "value", "ok"), [
    ("list", LIBRARIES, "pg_stat_statements,pgaudit", True),
    ("list", LIBRARIES, "pg_stat_statements, pgaudit", True),
    ("list", LIBRARIES, "pg_stat_statements,pgaudit2", False),
    ("list", LIBRARIES, "", True),
    ("list", "ddl,role,all,-misc", "ALL,-misc", True),
    ("boolean", "0,1", "1", True),
    ("boolean", "0,1", "on", False),
    ("integer", "-1-2147483647", "-1", True),
    ("integer", "-1-2147483647", "-2", False),
    ("integer", "-1-2147483647", "1.5", False),
    ("integer", "-1-2147483647", "lots", False),
    ("integer", "0,64-1024", "0", True),
    ("integer", "0,64-1024", "32", False),
    ("integer", "0-2147483647", "{DBInstanceClassMemory/9531392}", True),
    ("float", "0-1.79769e+308", "0.5", True),
    ("float", "0-100", "100.1", False),
    ("string", "none,ddl,mod,all", "ddl", True),
    ("string", "none,ddl,mod,all", "everything", False),
    ("string", "TDSv7.0, TDSv7.1", "TDSv7.1", True),
    ("string", None, "anything at all", True),
])
def test_value_allowed(data_type, allowed, value, ok):
    assert parameter_rules.value_allowed(data_type, allowed, value) is ok


def record(name: str) -> dict:
    found = catalog.parameter("aurora-postgresql15", catalog.CLUSTER, name)
    assert found, name
    return found


def code_and_message(name, value, method, found=True):
    with pytest.raises(RDSClientError) as refused:
        parameter_rules.check_modification(record(name) if found else None, name, value, method)
    return refused.value.code, refused.value.message


def test_the_checks_aws_makes_in_its_words():
    assert code_and_message("pgaudit.logg", "all", "immediate", found=False) == (
        "InvalidParameterValue", "Could not find parameter with name: pgaudit.logg")
    assert code_and_message("shared_preload_libraries", "pgaudit", "immediate") == (
        "InvalidParameterCombination", "cannot use immediate apply method for static parameter")
    assert code_and_message("log_line_prefix", "%t", "pending-reboot") == (
        "InvalidParameterValue", "The parameter log_line_prefix cannot be modified.")
    code, message = code_and_message("pgaudit.role", "auditor", "immediate")
    assert code == "InvalidParameterValue"
    assert message == "Invalid parameter value: auditor for: pgaudit.role allowed values are: rds_pgaudit"
    assert code_and_message("pgaudit.log", "ddl", "later")[0] == "InvalidParameterValue"
    assert code_and_message("pgaudit.log", None, "immediate")[0] == "InvalidParameterValue"


def test_valid_changes_pass():
    parameter_rules.check_modification(record("shared_preload_libraries"), "shared_preload_libraries",
                                       "pg_stat_statements,pgaudit", "pending-reboot")
    parameter_rules.check_modification(record("pgaudit.log"), "pgaudit.log", "ddl,role", "immediate")
    parameter_rules.check_modification(record("pgaudit.log"), "pgaudit.log", "ddl,role", "pending-reboot")


def test_batches_of_one_to_twenty():
    parameter_rules.check_batch([{}] * 20)
    with pytest.raises(RDSClientError, match="Cannot modify more than 20 parameters in a single request"):
        parameter_rules.check_batch([{}] * 21)
    with pytest.raises(RDSClientError):
        parameter_rules.check_batch([])


def test_reset_needs_a_known_modifiable_parameter():
    parameter_rules.check_reset(record("pgaudit.log"), "pgaudit.log")
    with pytest.raises(RDSClientError, match="Could not find parameter"):
        parameter_rules.check_reset(None, "pgaudit.logg")
    with pytest.raises(RDSClientError, match="cannot be modified"):
        parameter_rules.check_reset(record("log_line_prefix"), "log_line_prefix")

"""Pure pgAudit logic: the settings catalog, values read the way PostgreSQL and pgAudit read them,
validation with errors naming the input, and the plan of changes at one target."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils import pgaudit as pa  # noqa: E402

PG15 = (1, 7)


# Catalog and names ---------------------------------------------------------------------------

def test_catalog_has_every_setting_of_pgaudit_with_its_first_version():
    assert list(pa.SETTINGS) == ["log", "log_catalog", "log_client", "log_level", "log_parameter",
                                 "log_parameter_max_size", "log_relation", "log_rows", "log_statement",
                                 "log_statement_once", "role"]
    assert pa.SETTINGS["log_parameter_max_size"].since == (16, 0)
    assert pa.SETTINGS["log_rows"].since == (1, 6)
    assert pa.SETTINGS["log_statement"].since == (1, 6)
    assert pa.SETTINGS["log"].full_name == "pgaudit.log"


@pytest.mark.parametrize("given, short", [("pgaudit.log", "log"), ("PGAUDIT.Log", "log"), (" log ", "log"),
                                          ("log_rows", "log_rows"), ("pgaudit.logg", "logg")])
def test_short_name(given, short):
    assert pa.short_name(given) == short


def test_pgaudit_namespace_is_recognised_but_other_settings_are_not():
    assert pa.is_pgaudit_name("pgaudit.logg")
    assert pa.is_pgaudit_name("PGAUDIT.log")
    assert not pa.is_pgaudit_name("work_mem")
    assert not pa.is_pgaudit_name("pgauditlog")


@pytest.mark.parametrize("text, version", [("1.7", (1, 7)), ("16.0", (16, 0)), ("1.7.1", (1, 7, 1)), ("17", (17,)),
                                           (None, None), ("dev", None)])
def test_parse_version(text, version):
    assert pa.parse_version(text) == version


def test_versions_compare_numerically_not_as_text():
    assert pa.parse_version("16.0") > pa.parse_version("1.7")
    assert pa.parse_version("1.10") > pa.parse_version("1.7")
    assert not pa.supported("log_parameter_max_size", (1, 7))
    assert pa.supported("log_parameter_max_size", (16, 0))
    assert pa.supported("log_parameter_max_size", (17, 1))
    assert not pa.supported("log_rows", (1, 5))
    assert pa.supported("log_rows", None)  # unknown version: the server decides


# Booleans ------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["on", "ON", "On", "true", "TRUE", "t", "tr", "tru", "yes", "y", "ye", "Yes",
                                      "1", True, 1])
def test_true_in_every_postgresql_spelling(spelling):
    assert pa.parse_bool(spelling) is True


@pytest.mark.parametrize("spelling", ["off", "OFF", "of", "Of", "false", "f", "fa", "FALSE", "no", "n", "NO", "0",
                                      False, 0])
def test_false_in_every_postgresql_spelling(spelling):
    assert pa.parse_bool(spelling) is False


@pytest.mark.parametrize("junk", ["o", "", " on", "01", "2", "onn", "offf", "truth", "nope", 2, None, 1.0, ["on"]])
def test_what_postgresql_refuses_as_a_boolean_is_refused(junk):
    with pytest.raises(ValueError):
        pa.parse_bool(junk)


# Classes -------------------------------------------------------------------------------------

def test_class_lists_compare_as_sets_whatever_the_spelling():
    assert pa.normalize("log", "DDL, role") == pa.normalize("log", ["role", "ddl"])
    assert pa.normalize("log", "ddl,role") == pa.normalize("log", "Role,DDL")
    assert pa.normalize("log", ["role, ddl"]) == frozenset({"role", "ddl"})
    assert pa.normalize("log", "DDL, role") != pa.normalize("log", "ddl")


def test_exclusions_apply_in_order_as_pgaudit_applies_them():
    everything = frozenset(pa.LOG_CLASSES)
    assert pa.normalize("log", "all, -misc") == everything - {"misc"}
    assert pa.normalize("log", "ALL,-MISC") == pa.normalize("log", ["all", "-misc"])
    assert pa.normalize("log", "-misc, all") == everything
    assert pa.normalize("log", "read, -all, ddl") == frozenset({"ddl"})
    assert pa.normalize("log", "all") == pa.normalize("log", list(pa.LOG_CLASSES))


def test_none_and_empty_audit_nothing():
    assert pa.normalize("log", "none") == frozenset()
    assert pa.normalize("log", "") == frozenset()
    assert pa.normalize("log", []) == frozenset()
    assert pa.normalize("log", "none, role") == frozenset({"role"})


def test_quoted_class_names_are_read_like_pgaudit_reads_them():
    assert pa.normalize("log", '"role"') == frozenset({"role"})


@pytest.mark.parametrize("bad", ["ddl, foo", "rol", "- misc", "read  write", "role,", ",role", "all,-", ["role", 3],
                                 ["role", ""], 5, {"log": "ddl"}])
def test_bad_class_lists_are_refused(bad):
    with pytest.raises(ValueError):
        pa.split_classes(bad)


def test_unknown_class_error_names_the_class_and_the_input():
    with pytest.raises(ValueError, match=r"unknown class 'foo' in 'ddl, foo'"):
        pa.split_classes("ddl, foo")


def test_rendered_log_keeps_the_order_and_lowers_the_case():
    assert pa.render("log", "DDL, Role") == "ddl,role"
    assert pa.render("log", ["all", "-MISC"]) == "all,-misc"
    assert pa.render("log", []) == ""


# Other kinds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("level, parsed", [("log", "log"), ("LOG", "log"), ("Notice", "notice"), ("debug", "debug2"),
                                           ("debug5", "debug5"), ("warning", "warning"), ("info", "info")])
def test_log_levels(level, parsed):
    assert pa.parse_level(level) == parsed


@pytest.mark.parametrize("refused", ["error", "FATAL", "panic"])
def test_log_levels_pgaudit_refuses(refused):
    with pytest.raises(ValueError, match="refused by pgAudit"):
        pa.parse_level(refused)


@pytest.mark.parametrize("junk", ["loud", " log", "", 3, None])
def test_unknown_log_levels(junk):
    with pytest.raises(ValueError):
        pa.parse_level(junk)


def test_log_level_debug_equals_debug2():
    assert pa.same_value("log_level", "debug", "DEBUG2")


def test_sizes():
    assert pa.parse_size(1024) == 1024
    assert pa.parse_size("1024") == 1024
    assert pa.parse_size("1kB", strict=False) == 1024
    assert pa.same_value("log_parameter_max_size", "1kB", 1024)
    for bad in (-1, "1kB", "abc", True, 1.5, pa.MAX_PARAMETER_SIZE + 1):
        with pytest.raises(ValueError):
            pa.parse_size(bad)


def test_role_is_compared_exactly():
    assert pa.same_value("role", "rds_pgaudit", "rds_pgaudit")
    assert not pa.same_value("role", "RDS_PGAUDIT", "rds_pgaudit")
    with pytest.raises(ValueError):
        pa.parse_role(["rds_pgaudit"])


@pytest.mark.parametrize("name, stored, wanted", [
    ("log", "DDL, role", ["role", "ddl"]),
    ("log", "all,-misc", "ALL, -misc"),
    ("log_catalog", "Of", False),
    ("log_catalog", "0", "off"),
    ("log_relation", "on", "yes"),
    ("log_relation", "t", True),
    ("log_client", "no", 0),
    ("log_level", "LOG", "log"),
])
def test_stored_spellings_mean_the_wanted_value(name, stored, wanted):
    assert pa.same_value(name, stored, wanted)


def test_an_unreadable_stored_value_never_equals_a_wanted_one():
    assert not pa.same_value("log_catalog", "maybe", "on")
    assert not pa.same_value("log", "ddl,bogus", "ddl")


def test_render_booleans_as_on_off():
    assert pa.render("log_catalog", "Of") == "off"
    assert pa.render("log_relation", True) == "on"
    assert pa.render("log_level", "NOTICE") == "notice"
    assert pa.render("log_parameter_max_size", "4096") == 4096
    assert pa.render("role", "Audit Role") == "Audit Role"


def test_describe_reports_classes_parsed_values_and_problems():
    assert pa.describe("pgaudit.log", "DDL, role") == {"value": "DDL, role", "known": True, "classes": ["role", "ddl"]}
    assert pa.describe("log_catalog", "Of") == {"value": "Of", "known": True, "parsed": False}
    assert pa.describe("pgaudit.logg", "x") == {"value": "x", "known": False}
    assert "error" in pa.describe("log_catalog", "maybe")


# Validation ----------------------------------------------------------------------------------

def test_valid_settings_come_back_ready_to_write():
    wanted, errors = pa.validate_settings({"pgaudit.log": "DDL, role", "log_catalog": "Of", "log_level": "Notice",
                                           "role": "rds_pgaudit", "log_rows": True}, PG15)
    assert errors == []
    assert wanted == {"log": "ddl,role", "log_catalog": "off", "log_level": "notice", "role": "rds_pgaudit",
                      "log_rows": "on"}


def test_unknown_setting_names_are_refused_with_the_input_named():
    wanted, errors = pa.validate_settings({"logg": "ddl", "pgaudit.log_catalogue": "on", "log": "ddl"}, PG15)
    assert len(errors) == 2
    assert errors[0].startswith("settings.logg: unknown pgAudit setting 'pgaudit.logg'")
    assert errors[1].startswith("settings.pgaudit.log_catalogue: unknown pgAudit setting")
    assert wanted == {"log": "ddl"}


def test_wrong_types_unknown_classes_and_refused_levels_each_give_an_error():
    _wanted, errors = pa.validate_settings({"log": "ddl, foo", "log_catalog": "maybe", "log_level": "error",
                                            "log_relation": ["on"], "role": 5, "log_parameter": None}, PG15)
    text = "\n".join(errors)
    assert len(errors) == 6, errors
    assert "settings.log: invalid value for pgaudit.log: unknown class 'foo'" in text
    assert "settings.log_catalog: invalid value for pgaudit.log_catalog: 'maybe' is not a boolean" in text
    assert "settings.log_level: invalid value for pgaudit.log_level: log level 'error' is refused by pgAudit" in text
    assert "settings.log_relation:" in text
    assert "settings.role:" in text
    assert "settings.log_parameter: no value given" in text


def test_settings_the_installed_version_lacks_are_refused():
    _wanted, errors = pa.validate_settings({"log_parameter_max_size": 1024}, PG15)
    assert errors == ["settings.log_parameter_max_size: pgaudit.log_parameter_max_size needs pgAudit 16.0 or later; "
                      "this server has pgAudit 1.7"]
    wanted, errors = pa.validate_settings({"log_parameter_max_size": 1024}, (16, 0))
    assert errors == [] and wanted == {"log_parameter_max_size": 1024}
    _wanted, errors = pa.validate_settings({"log_rows": "on", "log": "misc_set"}, (1, 3))
    assert len(errors) == 2
    assert "pgaudit.log_rows needs pgAudit 1.6 or later; this server has pgAudit 1.3" in errors[0]
    assert "class 'misc_set' needs pgAudit 1.4 or later" in errors[1]


def test_the_loaded_library_decides_when_it_is_known():
    loaded = ["pgaudit.log", "pgaudit.role"]
    _wanted, errors = pa.validate_settings({"log_rows": "on"}, None, library_settings=loaded)
    assert len(errors) == 1 and "pgaudit.log_rows needs pgAudit" in errors[0]
    wanted, errors = pa.validate_settings({"log": "ddl"}, None, library_settings=loaded)
    assert errors == [] and wanted == {"log": "ddl"}


def test_the_same_setting_twice_is_refused():
    _wanted, errors = pa.validate_settings({"log": "ddl", "pgaudit.log": "role"}, PG15)
    assert len(errors) == 1 and "also given" in errors[0]


def test_names_to_reset_are_validated():
    names, errors = pa.validate_names(["pgaudit.log", "log", "log_rows"])
    assert names == ["log", "log_rows"] and errors == []
    _names, errors = pa.validate_names(["logg"])
    assert errors == ["settings: unknown pgAudit setting 'pgaudit.logg' (known: log, log_catalog, log_client, "
                      "log_level, log_parameter, log_parameter_max_size, log_relation, log_rows, log_statement, "
                      "log_statement_once, role)"]


# Stored settings and plans -------------------------------------------------------------------

def test_setconfig_is_parsed_on_the_first_equals_sign():
    stored = pa.parse_setconfig(["pgaudit.log=DDL, role", "search_path=a,b", "application_name=x=y"])
    assert stored == {"pgaudit.log": "DDL, role", "search_path": "a,b", "application_name": "x=y"}
    assert pa.parse_setconfig(None) == {}


def test_only_pgaudit_entries_are_kept():
    stored = pa.parse_setconfig(["pgaudit.log=ddl", "work_mem=64MB", "pgaudit.logg=x"])
    assert pa.pgaudit_entries(stored) == {"log": "ddl", "logg": "x"}


def test_no_change_when_stored_values_mean_the_wanted_ones():
    stored = {"log": "DDL, role", "log_catalog": "Of"}
    wanted = {"log": "role,ddl", "log_catalog": "off"}
    assert pa.plan_changes(stored, wanted) == []


def test_changed_and_missing_values_are_set():
    stored = {"log": "ddl", "log_catalog": "on"}
    wanted = {"log": "role,ddl", "log_catalog": "off", "log_relation": "on"}
    assert pa.plan_changes(stored, wanted) == [("set", "log", "role,ddl"), ("set", "log_catalog", "off"),
                                               ("set", "log_relation", "on")]


def test_reset_unspecified_resets_other_pgaudit_entries_including_misspelled_ones():
    stored = {"log": "ddl", "log_client": "on", "logg": "x"}
    assert pa.plan_changes(stored, {"log": "ddl"}, reset_unspecified=True) == [
        ("reset", "log_client", None), ("reset", "logg", None)]


def test_absent_resets_named_settings_that_are_stored():
    stored = {"log": "ddl", "log_client": "on"}
    assert pa.plan_changes(stored, {"log": None, "log_rows": None}, state="absent") == [("reset", "log", None)]
    assert pa.plan_changes(stored, {}, state="absent") == [("reset", "log", None), ("reset", "log_client", None)]
    assert pa.plan_changes({}, {"log": None}, state="absent") == []


def test_apply_plan_predicts_the_target():
    stored = {"log": "ddl", "log_client": "on"}
    actions = [("set", "log", "role"), ("reset", "log_client", None), ("set", "log_parameter_max_size", 10)]
    assert pa.apply_plan(stored, actions) == {"log": "role", "log_parameter_max_size": "10"}
    assert stored == {"log": "ddl", "log_client": "on"}


@pytest.mark.parametrize("raw, names, preloaded", [
    ("pgaudit", ["pgaudit"], True),
    ("pg_stat_statements, pgaudit", ["pg_stat_statements", "pgaudit"], True),
    ('"pgaudit",pg_cron', ["pgaudit", "pg_cron"], True),
    ("pg_stat_statements", ["pg_stat_statements"], False),
    ("pgaudit_extra", ["pgaudit_extra"], False),
    ("", [], False),
])
def test_preload_libraries(raw, names, preloaded):
    assert pa.preload_libraries(raw) == names
    assert pa.is_preloaded(raw) is preloaded

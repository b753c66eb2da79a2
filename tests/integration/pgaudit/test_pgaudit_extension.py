"""pgaudit_extension through ansible-playbook against the sandbox: created per database, reruns and
check mode change nothing, bad versions and schemas fail before any database is touched, the audit
role is made NOLOGIN, and absent drops it again."""

from __future__ import annotations

from psycopg2 import sql

from pgaudit_testing import extension_version

EXTENSION = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: extension
      dbaudit.postgresql.pgaudit_extension:
        databases: "{{ databases }}"
        state: "{{ state | default('present') }}"
        version: "{{ version | default(omit) }}"
        schema: "{{ schema | default(omit) }}"
        audit_role: "{{ audit_role | default(omit) }}"
"""


def run(playbook, extra_vars, **kwargs):
    outcome = playbook(EXTENSION, extra_vars=extra_vars, **kwargs)
    return outcome, outcome.result("extension")


def run_ok(playbook, extra_vars, **kwargs):
    outcome, result = run(playbook, extra_vars, **kwargs)
    assert outcome.rc == 0, outcome.explain()
    return result


def role_login(admin, role):
    with admin.cursor() as cur:
        cur.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role])
        row = cur.fetchone()
    return None if row is None else row[0]


def test_extension_lifecycle_in_two_databases_with_awkward_names(
        playbook, admin, pg_connect, make_database, unique_name):
    first = make_database(name=f"Audit \"{unique_name('a')}\"; DROP DATABASE postgres; --")
    second = make_database(prefix="ext_")
    audit_role = unique_name("Auditor ")
    wanted = {"databases": [first, second], "audit_role": audit_role}
    try:
        checked = run_ok(playbook, wanted, check=True, diff=True)
        assert checked["changed"]
        assert checked["diff"] == {"before": {first: None, second: None}, "after": {first: "1.7", second: "1.7"}}
        assert checked["queries"] == [f'CREATE ROLE "{audit_role}" NOLOGIN', 'CREATE EXTENSION "pgaudit"',
                                      'CREATE EXTENSION "pgaudit"']
        assert checked["audit_role"] == {"name": audit_role, "created": True}
        assert extension_version(pg_connect(first)) is None and extension_version(pg_connect(second)) is None
        assert role_login(admin, audit_role) is None  # check mode created nothing

        applied = run_ok(playbook, wanted, diff=True)
        assert applied["changed"] and applied["queries"] == checked["queries"]
        assert applied["versions_before"] == {first: None, second: None}
        assert applied["versions_after"] == {first: "1.7", second: "1.7"}
        assert applied["databases"][first] == {"version_before": None, "version_after": "1.7", "schema": "public",
                                               "queries": ['CREATE EXTENSION "pgaudit"']}
        assert applied["default_version"] == "1.7" and "1.7" in applied["available_versions"]
        assert "pgaudit" in applied["shared_preload_libraries"]
        assert extension_version(pg_connect(first)) == "1.7" and extension_version(pg_connect(second)) == "1.7"
        assert role_login(admin, audit_role) is False

        for check in (False, True):
            rerun = run_ok(playbook, dict(wanted, version="1.7"), check=check, diff=True)
            assert not rerun["changed"] and rerun["queries"] == [], rerun
            assert rerun["audit_role"] == {"name": audit_role, "created": False}
            assert rerun["diff"]["before"] == rerun["diff"]["after"] == {first: "1.7", second: "1.7"}
        assert not run_ok(playbook, {"databases": [first, second], "state": "latest"})["changed"]

        # Moved to another schema, once.
        with pg_connect(second).cursor() as cur:
            cur.execute("CREATE SCHEMA audit")
        moved = run_ok(playbook, {"databases": [second], "schema": "audit"})
        assert moved["changed"] and moved["queries"] == ['ALTER EXTENSION "pgaudit" SET SCHEMA "audit"']
        assert moved["databases"][second]["schema"] == "audit"
        assert not run_ok(playbook, {"databases": [second], "schema": "audit"})["changed"]

        checked = run_ok(playbook, {"databases": [first], "state": "absent"}, check=True, diff=True)
        assert checked["changed"] and checked["diff"]["after"] == {first: None}
        assert extension_version(pg_connect(first)) == "1.7"
        dropped = run_ok(playbook, {"databases": [first], "state": "absent"})
        assert dropped["changed"] and dropped["queries"] == ['DROP EXTENSION "pgaudit"']
        assert extension_version(pg_connect(first)) is None and extension_version(pg_connect(second)) == "1.7"
        assert not run_ok(playbook, {"databases": [first], "state": "absent"})["changed"]
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(audit_role)))


def test_an_existing_audit_role_that_can_log_in_is_kept_with_a_warning(playbook, make_database, make_role):
    database = make_database()
    role, _password = make_role(prefix="auditor_", login=True)
    result = run_ok(playbook, {"databases": [database], "audit_role": role})
    assert result["audit_role"] == {"name": role, "created": False}
    assert any("can log in" in warning for warning in result.get("warnings", [])), result


BAD = """
- hosts: localhost
  gather_facts: false
  vars:
    bad:
      unavailable_version: {databases: ["{{ first }}", "{{ second }}"], version: "9.9"}
      schema_missing_in_second: {databases: ["{{ first }}", "{{ second }}"], schema: only_in_first}
      missing_database: {databases: ["{{ first }}", "{{ first }}-missing"]}
      version_with_latest: {databases: ["{{ first }}"], version: "1.7", state: latest}
      schema_with_absent: {databases: ["{{ first }}"], schema: public, state: absent}
  tasks:
    - name: "{{ item }}"
      dbaudit.postgresql.pgaudit_extension:
        databases: "{{ bad[item].databases }}"
        version: "{{ bad[item].version | default(omit) }}"
        schema: "{{ bad[item].schema | default(omit) }}"
        state: "{{ bad[item].state | default('present') }}"
        audit_role: "{{ audit_role }}"
      loop: "{{ bad.keys() | list }}"
      register: outcome
      ignore_errors: true

    - name: outcomes
      ansible.builtin.set_fact:
        outcomes: "{{ dict(outcome.results | map(attribute='item') | zip(outcome.results)) }}"
"""

EXPECTED = {
    "unavailable_version": "version: pgaudit '9.9' is not available on this server (available: 1.7)",
    "schema_missing_in_second": "schema: 'only_in_first' does not exist in database",
    "missing_database": "-missing' do not exist or do not allow connections, nothing changed",
    "version_with_latest": "version: only with state=present",
    "schema_with_absent": "schema: not with state=absent",
}


def test_bad_inputs_fail_before_any_database_or_role_is_touched(playbook, admin, pg_connect, make_database,
                                                                unique_name):
    first, second = make_database(), make_database()
    with pg_connect(first).cursor() as cur:
        cur.execute("CREATE SCHEMA only_in_first")
    audit_role = unique_name("auditor_")
    outcome = playbook(BAD, extra_vars={"first": first, "second": second, "audit_role": audit_role})
    assert outcome.rc == 0, outcome.explain()
    outcomes = outcome.result("outcomes")["ansible_facts"]["outcomes"]
    for case, expected in EXPECTED.items():
        result = outcomes[case]
        assert result.get("failed") and not result.get("changed"), (case, result)
        assert expected in result["msg"] and "\n" not in result["msg"], (case, result["msg"])
    assert extension_version(pg_connect(first)) is None and extension_version(pg_connect(second)) is None
    assert role_login(admin, audit_role) is None

"""The roles' tasks/policy.yml compute in one task, for every host of the play, the policy enable_audit applies
to it: the inventory (host over group, templated in the host's own context, extra vars over both) wins over the
roles' defaults, which fill in what the inventory leaves out. audit_report.yml compares the clusters with it.
No sandbox: the hosts are local and nothing is connected to."""

from __future__ import annotations

import yaml
from harness import CHECKOUT, run_playbook

POLICY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: policies
      ansible.builtin.include_role:
        name: "{{ role }}"
        tasks_from: policy
      loop: [dbaudit.postgresql.pgaudit, dbaudit.postgresql.activity_stream]
      loop_control:
        loop_var: role
      run_once: true

    - name: show
      ansible.builtin.debug:
        msg: {pgaudit: "{{ dbaudit_pgaudit_policies }}", das: "{{ dbaudit_das_policies }}"}
      run_once: true
"""

CUSTOM = {"log": ["write"], "log_relation": True}


def defaults(role: str) -> dict:
    return yaml.safe_load((CHECKOUT / "roles" / role / "defaults" / "main.yml").read_text())


def test_policy_of_every_host_is_the_inventory_over_the_role_defaults(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "dbaudit_log_retention_days": 30,
                 "dbaudit_audit_profiles": {"custom": CUSTOM}},
        "hosts": {
            "plain": {},
            "templated": {"dbaudit_databases": "{{ ['app_' ~ inventory_hostname] }}", "dbaudit_das_mode": "sync"},
            "strict": {"dbaudit_reboot_policy": "never", "dbaudit_das_state": "stopped",
                       "dbaudit_role_policies": [{"role": "app", "profile": "custom", "database": "billing"}]},
        }}}))
    run = run_playbook(POLICY, inventory=inventory, extra_vars={"dbaudit_audit_role": "auditor"})
    assert run.rc == 0, run.explain()
    shown = run.result("show", "plain")["msg"]
    pgaudit, das = shown["pgaudit"], shown["das"]
    assert set(pgaudit) == set(das) == {"plain", "templated", "strict"}

    role_defaults = defaults("pgaudit")
    assert pgaudit["plain"] == {
        "preload_libraries": role_defaults["dbaudit_preload_libraries"],
        "parameters": role_defaults["dbaudit_pgaudit_parameters"],
        "reboot_policy": role_defaults["dbaudit_reboot_policy"],
        "log_export": role_defaults["dbaudit_log_export"],
        "log_retention_days": 30,
        "databases": role_defaults["dbaudit_databases"],
        "audit_role": "auditor",
        "object_audit": role_defaults["dbaudit_object_audit"],
        "role_policies": [],
    }
    assert pgaudit["templated"]["databases"] == ["app_templated"]
    assert pgaudit["strict"]["reboot_policy"] == "never"
    assert pgaudit["strict"]["role_policies"] == [
        {"role": "app", "profile": "custom", "database": "billing", "settings": CUSTOM}]

    stream_defaults = defaults("activity_stream")
    assert das["plain"] == {"das_enabled": True, "das_mode": stream_defaults["dbaudit_das_mode"]}
    assert das["templated"] == {"das_enabled": True, "das_mode": "sync"}
    assert das["strict"]["das_enabled"] is False

"""What the alerting role tests share: an inventory of emulated clusters and the role playbooks."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness import CHECKOUT

PREPARE_CLUSTERS = CHECKOUT / "roles" / "das_alerting" / "molecule" / "default" / "prepare.yml"

ROLE_PLAYBOOK = """
- name: Run {role}
  hosts: all
  gather_facts: false
  roles:
    - role: dbaudit.postgresql.{role}
"""


def write_inventory(directory: Path, hosts: list[str], **group_vars) -> Path:
    """A YAML inventory of local hosts, one per cluster id, with the given group variables."""
    path = directory / "inventory.yml"
    host_vars = {host: {"dbaudit_cluster_id": host} for host in hosts}
    group = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    group.update(group_vars)
    path.write_text(yaml.safe_dump({"all": {"hosts": host_vars, "vars": group}}), encoding="utf-8")
    return path


def role_playbook(role: str) -> str:
    return ROLE_PLAYBOOK.format(role=role)


def inline_policy_statements(iam, role_name: str) -> list[dict]:
    """Every statement of every inline policy of an IAM role, read back from the emulator."""
    statements = []
    for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        found = document["Statement"]
        statements.extend(found if isinstance(found, list) else [found])
    return statements


def instance_profiles(iam, role_name: str) -> list[str]:
    """The instance profiles an IAM role is in: a Lambda or Firehose role needs none."""
    found = iam.list_instance_profiles_for_role(RoleName=role_name)["InstanceProfiles"]
    return [profile["InstanceProfileName"] for profile in found]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]

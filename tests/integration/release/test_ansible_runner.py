"""enable_audit as AWX runs it: ansible-runner (the engine of AWX and Automation Platform jobs) over a private data
dir laid out as AWX writes one - a project whose playbook imports the installed collection's, the inventory and its
group_vars, extra vars as the strings a survey passes, the credentials as environment variables - on a fleet of two
emulated clusters. The collection is the installed tarball, not the checkout. The run converges (status successful,
rc 0, every cluster on its custom group with the log export and a started stream) and a second run changes nothing,
read from the job events runner writes to its artifacts (what AWX shows)."""

from __future__ import annotations

import json
import shutil
import sys
import uuid

import ansible_runner
import yaml

from harness import BIN, CHECKOUT, sandbox_exports

PROJECT_PLAYBOOK = """\
---
- name: Audit the fleet
  ansible.builtin.import_playbook: dbaudit.postgresql.enable_audit
"""
# A survey's answers: strings, booleans among them. Alerting is off here: its pipelines have their own tests.
SURVEY = {"dbaudit_pgaudit_alerting_enabled": "false", "dbaudit_das_alerting_enabled": "no",
          "dbaudit_log_retention_days": "30", "dbaudit_das_enabled": "yes", "dbaudit_reboot_policy": "rolling"}


def job_events(artifacts, event: str) -> list[dict]:
    found = []
    for path in sorted((artifacts / "job_events").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("event") == event:
            found.append(data)
    return found


def private_data_dir(root, sandbox_env, installed_collections, clusters) -> None:
    from sandbox import fleet

    project = root / "project"
    project.mkdir(parents=True)
    (project / "enable_audit.yml").write_text(PROJECT_PLAYBOOK, encoding="utf-8")
    # The project's ansible.cfg, as AWX reads it from the checkout of the project.
    (project / "ansible.cfg").write_text("[defaults]\nforks = 20\ninterpreter_python = auto_silent\n",
                                         encoding="utf-8")
    inventory = root / "inventory"
    shutil.copytree(CHECKOUT / "inventories" / "sandbox" / "group_vars", inventory / "group_vars")
    fleet.write_inventory(sandbox_env, clusters, inventory / "hosts.yml")
    env = root / "env"
    env.mkdir()
    (env / "extravars").write_text(yaml.safe_dump(SURVEY), encoding="utf-8")
    envvars = dict(sandbox_exports(sandbox_env))
    envvars.update({
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
        # Where AWX puts the collections of the project's collections/requirements.yml (or the EE's path).
        "ANSIBLE_COLLECTIONS_PATH": str(installed_collections),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": f"{BIN}:/usr/bin:/bin",
    })
    (env / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")


def run_job(root):
    ident = uuid.uuid4().hex[:8]
    runner = ansible_runner.run(private_data_dir=str(root), playbook="enable_audit.yml", ident=ident, quiet=True,
                                timeout=900)
    return runner, root / "artifacts" / ident


def test_enable_audit_through_ansible_runner_converges_then_changes_nothing(sandbox_env, aws_client, tmp_path,
                                                                            installed_collections, unique_name):
    from sandbox import fleet

    prefix = unique_name("awx-")
    clusters = fleet.ensure_clusters(sandbox_env, [f"{prefix}-1", f"{prefix}-2"])
    private_data_dir(tmp_path, sandbox_env, installed_collections, clusters)

    first, artifacts = run_job(tmp_path)
    stdout = (artifacts / "stdout").read_text(encoding="utf-8") if (artifacts / "stdout").exists() else ""
    assert (first.status, first.rc) == ("successful", 0), stdout[-4000:]
    # The installed collection ran, not the checkout.
    task_paths = {event["event_data"]["task_path"].rsplit(":", 1)[0] for event in job_events(artifacts, "runner_on_ok")}
    assert task_paths and all(path.startswith(str(installed_collections)) for path in task_paths), task_paths
    [stats] = job_events(artifacts, "playbook_on_stats")
    assert set(clusters) <= set(stats["event_data"]["ok"]), stats["event_data"]
    assert all(stats["event_data"]["changed"].get(cluster, 0) > 0 for cluster in clusters), stats["event_data"]
    assert not stats["event_data"]["failures"] and not stats["event_data"]["dark"]

    rds = aws_client("rds")
    for cluster in clusters:
        state = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]
        assert state["DBClusterParameterGroup"] == f"{cluster}-dbaudit"
        assert state["EnabledCloudwatchLogsExports"] == ["postgresql"]
        assert state["ActivityStreamStatus"] == "started"
    # The survey's "false"/"no" were taken as false: no alerting function was deployed for these clusters. Preflight
    # reads every role's policy, the alerting roles' too (set_facts "... as enable_audit applies it"); nothing else of
    # an alerting role may run.
    ran = [task["event_data"].get("task") for task in job_events(artifacts, "runner_on_ok")
           if "alerting" in task["event_data"].get("role", "")]
    assert not [name for name in ran if not name.endswith("as enable_audit applies it")], ran

    second, artifacts = run_job(tmp_path)
    assert (second.status, second.rc) == ("successful", 0)
    [stats] = job_events(artifacts, "playbook_on_stats")
    assert stats["event_data"]["changed"] == {}, stats["event_data"]["changed"]
    assert set(clusters) <= set(stats["event_data"]["ok"])

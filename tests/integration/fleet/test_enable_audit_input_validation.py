"""Bad inputs are refused before the first change, for the whole run (issue 14 item 1).

Each row of the issue's table is one host of one enable_audit run (everything is reported at once): a
misspelled profile on the canary and on a later cluster, an invalid class in a custom profile, a role that
does not exist, a role name with quotes and ``; DROP TABLE``, log retentions -5, 42 and 0, a malformed
e-mail endpoint and bad retentions of both alerting pipelines. Each is refused in preflight with a message
that names the variable and the host; the emulator counts no write call and the database is as it was.
Then disable_audit, dbaudit_waves, each role run on its own, and dbaudit_skip_failing_hosts.

Real parts: ansible-playbook, the emulator over HTTP (its call counter), the sandbox PostgreSQL. Clusters are
made in the emulator for this test and all map to the sandbox server's ``postgres`` database."""

from __future__ import annotations

import uuid

import boto3
import psycopg2
import pytest
from fleet_testing import Counted, cluster_state, make_cluster, rollout_tasks, run_once_result, write_inventory
from harness import CHECKOUT, run_playbook
from psycopg2 import sql


ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
DISABLE = CHECKOUT / "playbooks" / "disable_audit.yml"
PREFLIGHT = "Check every cluster at once (engine, version, status, instance classes, DAS support, KMS key)"
DISABLE_PREFLIGHT = "Check every cluster at once (status, activity stream stop, shared parameter groups)"
STOP = "Stop before any change when a cluster fails preflight (dbaudit_skip_failing_hosts leaves them out instead)"
HOSTILE = 'app"; DROP TABLE t; --'
SUFFIX = uuid.uuid4().hex[:8]
APP = f"iv_app_{SUFFIX}"
CUSTOM_PROFILES = {"baseline": {"log": ["role", "ddl"]}, "custom": {"log": ["role", "wirte"]}}


def policy(profile, role=APP):
    return {"dbaudit_role_policies": [{"role": role, "profile": profile}]}


# Row name: (the host's variables, the variable the message must name, what it must say).
ROWS = {
    "canary-typo": (policy("basline"), "dbaudit_role_policies[0].profile", "'basline' is not defined"),
    "later-typo": (policy("basline"), "dbaudit_role_policies[0].profile", "'basline' is not defined"),
    "bad-class": (dict(policy("custom"), dbaudit_audit_profiles=CUSTOM_PROFILES),
                  "dbaudit_audit_profiles.custom.log", "unknown class 'wirte'"),
    "missing-role": (policy("baseline", role=f"iv_nobody_{SUFFIX}"), "dbaudit_role_policies[0].role",
                     f"role 'iv_nobody_{SUFFIX}' does not exist"),
    "hostile-role": (policy("baseline", role=HOSTILE), "dbaudit_role_policies[0].role",
                     f"role {HOSTILE!r} does not exist"),
    "retention-minus-5": ({"dbaudit_log_retention_days": -5}, "dbaudit_log_retention_days", "retention -5 is not"),
    "retention-42": ({"dbaudit_log_retention_days": 42}, "dbaudit_log_retention_days", "retention 42 is not"),
    "retention-0": ({"dbaudit_log_retention_days": 0}, "dbaudit_log_retention_days", "not 0"),
    "pgaudit-alerting-email": (
        {"dbaudit_pgaudit_alerting_enabled": True,
         "dbaudit_pgaudit_alerting_subscriptions": [{"protocol": "email", "endpoint": "not-an-email"}]},
        "dbaudit_pgaudit_alerting_subscriptions[0].endpoint", "'not-an-email' is not an e-mail address"),
    "pgaudit-alerting-retention": (
        {"dbaudit_pgaudit_alerting_enabled": True, "dbaudit_pgaudit_alerting_log_retention_days": 42},
        "dbaudit_pgaudit_alerting_log_retention_days", "retention 42 is not"),
    "das-alerting-email": (
        {"dbaudit_das_alerting_enabled": True,
         "dbaudit_das_alerting_subscriptions": [{"protocol": "email", "endpoint": "ops@example"}]},
        "dbaudit_das_alerting_subscriptions[0].endpoint", "'ops@example' is not an e-mail address"),
    "das-alerting-retention": (
        {"dbaudit_das_alerting_enabled": True, "dbaudit_das_alerting_log_retention_days": 0},
        "dbaudit_das_alerting_log_retention_days", "retention 0 is not"),
}


@pytest.fixture(scope="module")
def rds(sandbox_env):
    aws = sandbox_env["aws"]
    return boto3.client("rds", endpoint_url=aws["endpoint_url"], region_name=aws["region"],
                        aws_access_key_id=aws["access_key_id"], aws_secret_access_key=aws["secret_access_key"])


@pytest.fixture(scope="module")
def admin(sandbox_env):
    pg = sandbox_env["postgres"]
    conn = psycopg2.connect(host=pg["host"], port=pg["port"], dbname=pg["database"], user=pg["user"],
                            password=pg["password"], connect_timeout=10)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP])
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(APP)))
    yield conn
    conn.close()


def host_name(position, row):
    # Hosts run in inventory order (sorted names): the canary is the first.
    return f"iv{SUFFIX}-{position:02d}-{row}"


@pytest.fixture(scope="module")
def enable_run(sandbox_env, rds, admin, tmp_path_factory):
    hosts = {host_name(position, row): variables
             for position, (row, (variables, _variable, _text)) in enumerate(ROWS.items())}
    # A host with nothing wrong between the canary and the later typo: it passes, and still nothing is changed.
    good = host_name(1, "good")
    hosts[good] = policy("baseline")
    for host in hosts:
        make_cluster(rds, host)
    inventory = tmp_path_factory.mktemp("iv") / "inventory.yml"
    write_inventory(inventory, sandbox_env, hosts)
    clusters_before = {host: cluster_state(rds, host) for host in hosts}
    with Counted(sandbox_env, admin) as counted:
        run = run_playbook(ENABLE, sandbox_env, inventory=inventory)
    clusters_after = {host: cluster_state(rds, host) for host in hosts}
    return run, counted, good, clusters_before == clusters_after


def problem_of(message, host, problems, variable, text):
    """The host's problem about ``variable``, checked to be in the failure message under the host's name."""
    [problem] = [p for p in problems if p.startswith(variable + ":") and text in p]
    start = message.index(f"{host}: ")
    assert message.index(problem, start) > start
    return problem


@pytest.mark.parametrize("row", list(ROWS))
def test_refused_in_preflight_naming_variable_and_host(enable_run, row):
    run, counted, good, clusters_unchanged = enable_run
    position = list(ROWS).index(row)
    host = host_name(position, row)
    _variables, variable, text = ROWS[row]

    assert run.rc != 0
    preflight = run_once_result(run, PREFLIGHT)
    assert host in preflight["failing_hosts"]
    message = run_once_result(run, STOP)["msg"]
    problem_of(message, host, preflight["hosts"][host]["problems"], variable, text)
    assert host in "\n".join(preflight["table"])
    # Nothing reached AWS or the databases, for any host.
    assert counted.writes == 0, counted.write_operations
    assert not counted.database_changed
    assert clusters_unchanged
    assert rollout_tasks(run, ("dbaudit.postgresql.", "Audit with pgAudit")) == []


def test_every_row_reported_at_once_and_the_good_host_passes(enable_run):
    run, _counted, good, _unchanged = enable_run
    preflight = run_once_result(run, PREFLIGHT)
    assert preflight["hosts"][good]["problems"] == []
    assert len(preflight["failing_hosts"]) == len(ROWS)


def test_disable_audit_refuses_a_misspelled_profile(sandbox_env, rds, admin, tmp_path):
    host = f"iv{SUFFIX}-disable"
    make_cluster(rds, host)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {host: policy("basline")})
    with Counted(sandbox_env, admin) as counted:
        run = run_playbook(DISABLE, sandbox_env, inventory=inventory)
    assert run.rc != 0
    preflight = run_once_result(run, DISABLE_PREFLIGHT)
    message = run_once_result(run, STOP)["msg"]
    problem_of(message, host, preflight["hosts"][host]["problems"], "dbaudit_role_policies[0].profile",
               "'basline' is not defined")
    assert counted.writes == 0, counted.write_operations
    assert not counted.database_changed


def test_waves_refused_before_any_write(sandbox_env, rds, admin, tmp_path):
    # Both rows of the issue in one run: each wave is reported.
    host = f"iv{SUFFIX}-waves"
    make_cluster(rds, host)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, {host: {}})
    with Counted(sandbox_env, admin) as counted:
        run = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars={"dbaudit_waves": [0, "150%"]})
    assert run.rc != 0
    message = run.result(PREFLIGHT, host)["msg"]
    assert "dbaudit_waves item 1 (0) holds no host" in message
    assert "dbaudit_waves item 2 ('150%') is not a percentage" in message
    assert counted.writes == 0, counted.write_operations
    assert not counted.database_changed


# Each role run on its own, one host per role in one run (include_role by a host variable).
ROLE_ALONE = {
    "pgaudit": (policy("basline"), "dbaudit_role_policies[0].profile"),
    "pgaudit_alerting": (
        {"dbaudit_pgaudit_alerting_subscriptions": [{"protocol": "email", "endpoint": "not-an-email"}]},
        "dbaudit_pgaudit_alerting_subscriptions[0].endpoint"),
    "das_alerting": (
        {"dbaudit_das_alerting_subscriptions": [{"protocol": "email-json", "endpoint": "a b@example.com"}]},
        "dbaudit_das_alerting_subscriptions[0].endpoint"),
}
ROLE_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: The role under test
      ansible.builtin.include_role:
        name: "dbaudit.postgresql.{{ role_under_test }}"
"""


@pytest.fixture(scope="module")
def roles_alone_run(sandbox_env, admin, tmp_path_factory):
    hosts = {f"iv{SUFFIX}-alone-{role}": dict(variables, role_under_test=role)
             for role, (variables, _variable) in ROLE_ALONE.items()}
    inventory = tmp_path_factory.mktemp("alone") / "inventory.yml"
    write_inventory(inventory, sandbox_env, hosts)
    with Counted(sandbox_env, admin) as counted:
        run = run_playbook(ROLE_PLAY, sandbox_env, inventory=inventory)
    return run, counted


@pytest.mark.parametrize("role", list(ROLE_ALONE))
def test_each_role_on_its_own_refuses_in_its_first_task(roles_alone_run, role):
    run, counted = roles_alone_run
    host = f"iv{SUFFIX}-alone-{role}"
    _variables, variable = ROLE_ALONE[role]
    assert run.rc != 0
    failed = [(t["task"]["name"], r["msg"]) for t in run.tasks() for h, r in t["hosts"].items()
              if h == host and r.get("failed")]
    [(task, message)] = failed
    assert task == f"dbaudit.postgresql.{role} : Refuse inputs the role could not apply, before any change"
    assert message.startswith(f"{host}: {variable}: ") and message.endswith("nothing was changed")
    assert counted.writes == 0, counted.write_operations
    assert not counted.database_changed


def test_skip_failing_hosts_rolls_out_the_good_host_and_leaves_the_other_untouched(sandbox_env, rds, admin, tmp_path):
    # The cheapest rollout that still changes AWS: the parameter group only (no stream, no log export, reboots
    # left to the policy 'never', so the database steps wait).
    good, bad = f"iv{SUFFIX}-skip-a-good", f"iv{SUFFIX}-skip-b-typo"
    for host in (good, bad):
        make_cluster(rds, host)
    inventory = tmp_path / "inventory.yml"
    quick = {"dbaudit_das_enabled": False, "dbaudit_log_export": False, "dbaudit_reboot_policy": "never"}
    write_inventory(inventory, sandbox_env, {good: dict(policy("baseline"), **quick),
                                             bad: dict(policy("basline"), **quick)})
    good_before, bad_before = cluster_state(rds, good), cluster_state(rds, bad)

    run = run_playbook(ENABLE, sandbox_env, inventory=inventory, extra_vars={"dbaudit_skip_failing_hosts": True})

    assert run.rc == 0, run.explain()
    assert run_once_result(run, PREFLIGHT)["failing_hosts"] == [bad]
    assert cluster_state(rds, bad) == bad_before
    assert run.changed(bad) == 0
    assert cluster_state(rds, good)[0] != good_before[0]


CONFLICT = "Stop before any change when the hosts of one alerting pipeline set its options differently"


def test_hosts_of_one_pipeline_that_set_its_options_differently_are_refused(sandbox_env, rds, admin, tmp_path):
    # One DAS alerting pipeline over two clusters, the second asking for its stream to be read in batches of 50: one
    # function is made from one set of values, so every run would apply it again from the other host's. Refused on a
    # first rollout, naming the option and the hosts of each set; nothing is written.
    first, second = f"iv{SUFFIX}-pipe-a", f"iv{SUFFIX}-pipe-b"
    hosts = {first: {}, second: {"dbaudit_das_alerting_batch_size": 50}}
    for host in hosts:
        make_cluster(rds, host)
    inventory = tmp_path / "inventory.yml"
    write_inventory(inventory, sandbox_env, hosts)
    before = {host: cluster_state(rds, host) for host in hosts}
    pipeline = f"iv-{SUFFIX}"
    with Counted(sandbox_env, admin) as counted:
        run = run_playbook(ENABLE, sandbox_env, inventory=inventory,
                           extra_vars={"dbaudit_das_alerting_enabled": True, "dbaudit_das_alerting_name": pipeline})
    assert run.rc != 0
    message = run_once_result(run, CONFLICT)["msg"]
    assert (f"das_alerting: the hosts of function {pipeline}-decrypt give the role's options different values "
            f"(dbaudit_das_alerting_batch_size)") in message, message
    assert f": {first} / {second} Nothing was changed." in message, message
    assert counted.writes == 0, counted.write_operations
    assert not counted.database_changed
    assert {host: cluster_state(rds, host) for host in hosts} == before
    assert rollout_tasks(run, ("dbaudit.postgresql.", "Audit with pgAudit")) == []

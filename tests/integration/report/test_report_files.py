"""audit_report and overhead_report write their files only when the content changes: a re-run with the same
findings changes nothing (audit_report keeps the report's time), check mode says what would change and writes
nothing, the diff comes in diff mode only. The audit report's Markdown and HTML are rendered by
playbooks/tasks/render_report.yml from the collection's templates (tests/unit/playbooks/test_report_templates.py
checks what they show) or from a template of the user's. The modules run for real through ansible-playbook on
localhost; none of them needs the sandbox."""

from __future__ import annotations

import json

import pytest
from harness import CHECKOUT, run_playbook

FIXTURES = CHECKOUT / "tests" / "unit" / "playbooks" / "fixtures" / "audit_report"
RENDER_TASKS = CHECKOUT / "playbooks" / "tasks" / "render_report.yml"

AUDIT_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the report
      dbaudit.postgresql.audit_report:
        clusters:
          - {host: orders, cluster_identifier: orders, policy: {}}
        aws: {orders: {found: true, log_export: "{{ log_export }}"}}
        output_dir: "{{ output_dir }}"
      register: dbaudit_report
"""

OVERHEAD_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Report the benchmark
      dbaudit.postgresql.overhead_report:
        runs:
          - {tps: 100.0, transactions: 1000, latency_mean_ms: 1.0, latency_p95_ms: 2.0,
             log: {measured: true, audit_bytes: 0, audit_lines: 0}, tags: {workload: w, profile: "off", repeat: 1}}
          - {tps: "{{ full_tps }}", transactions: 1000, latency_mean_ms: 1.0, latency_p95_ms: 2.0,
             log: {measured: true, audit_bytes: 100, audit_lines: 1}, tags: {workload: w, profile: full, repeat: 1}}
        profiles: [full]
        workloads: [w]
        output_dir: "{{ output_dir }}"
"""


def audit(tmp_path, log_export=True, **options):
    run = run_playbook(AUDIT_PLAY, extra_vars={"output_dir": str(tmp_path), "log_export": log_export}, **options)
    assert run.rc == 0, run.explain()
    return run.result("Write the report")


def overhead(tmp_path, full_tps=90.0, **options):
    run = run_playbook(OVERHEAD_PLAY, extra_vars={"output_dir": str(tmp_path), "full_tps": full_tps}, **options)
    assert run.rc == 0, run.explain()
    return run.result("Report the benchmark")


def test_audit_report_changes_its_file_only_when_the_findings_change(tmp_path):
    path = tmp_path / "audit_report.json"
    would = audit(tmp_path, check=True)
    assert would["changed"] and "diff" not in would and not path.exists()

    first = audit(tmp_path)
    assert first["changed"] and first["files"] == {"json": str(path)} and "diff" not in first
    written = path.read_text()
    assert json.loads(written)["generated"] == first["generated"]

    # The same findings, later: nothing changes, the report keeps its time, in check mode too.
    for options in ({"check": True}, {"diff": True}):
        again = audit(tmp_path, **options)
        assert not again["changed"] and "diff" not in again and again["generated"] == first["generated"]
        assert path.read_text() == written

    # A new finding: check mode says so and shows it with --diff, without writing; the real run writes it.
    would = audit(tmp_path, log_export=False, check=True, diff=True)
    assert would["changed"] and path.read_text() == written
    [shown] = would["diff"]
    assert shown["before"] == written and '"log_export": false' in shown["after"]
    assert shown["before_header"] == shown["after_header"] == str(path)
    changed = audit(tmp_path, log_export=False)
    assert changed["changed"] and "diff" not in changed
    assert json.loads(path.read_text())["clusters"][0]["log_export"] is False


def test_overhead_report_changes_its_files_only_when_the_figures_change(tmp_path):
    names = ("overhead.json", "overhead.md", "overhead.png")
    would = overhead(tmp_path, check=True)
    assert would["changed"] and not any(tmp_path.iterdir())

    first = overhead(tmp_path)
    assert first["changed"] and "diff" not in first
    written = {name: (tmp_path / name).read_bytes() for name in names}
    again = overhead(tmp_path, diff=True)
    assert not again["changed"] and "diff" not in again

    would = overhead(tmp_path, full_tps=80.0, check=True, diff=True)
    assert would["changed"] and {name: (tmp_path / name).read_bytes() for name in names} == written
    assert [entry["after_header"] for entry in would["diff"]] == [str(tmp_path / name) for name in names]
    assert would["diff"][2]["after"].startswith("(binary, ")  # the chart
    assert overhead(tmp_path, full_tps=80.0)["changed"]
    assert all((tmp_path / name).read_bytes() != written[name] for name in names)


RENDER_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The report as audit_report returns it
      ansible.builtin.set_fact:
        dbaudit_report: "{{ report | combine({'files': {'json': output_dir ~ '/audit_report.json'}}) }}"
    - name: Render
      ansible.builtin.include_tasks: RENDER_TASKS
"""


@pytest.fixture
def rendered(tmp_path):
    def run(**extra):
        play = RENDER_PLAY.replace("RENDER_TASKS", str(RENDER_TASKS))
        report = json.loads((FIXTURES / "report.json").read_text())
        result = run_playbook(play, extra_vars=dict(report=report, output_dir=str(tmp_path), **extra))
        assert result.rc == 0, result.explain()
        return result.result("Render the report as Markdown and HTML")
    return run


def test_render_tasks_use_the_collections_templates_or_the_users(rendered, tmp_path):
    # The collection's templates, as playbooks/audit_report.yml finds them (its playbook_dir).
    shipped = {"dbaudit_report_markdown_template": str(CHECKOUT / "playbooks/templates/audit_report.md.j2"),
               "dbaudit_report_html_template": str(CHECKOUT / "playbooks/templates/audit_report.html.j2")}
    assert rendered(**shipped)["changed"]
    assert (tmp_path / "audit_report.md").read_text() == (FIXTURES / "audit_report.md").read_text()
    assert (tmp_path / "audit_report.html").read_text() == (FIXTURES / "audit_report.html").read_text()
    assert not rendered(**shipped)["changed"]

    # A template of the user's sees the same dbaudit_report and may import the collection's cells.
    own = tmp_path / "own" / "report.html.j2"
    own.parent.mkdir()
    own.write_text("{% from 'audit_report_cells.j2' import cell %}"
                   "{% for entry in dbaudit_report.clusters %}{{ entry.host }}={{ cell('drift', entry.drift) }}\n"
                   "{% endfor %}")
    assert rendered(**dict(shipped, dbaudit_report_html_template=str(own)))["changed"]
    assert (tmp_path / "audit_report.html").read_text().splitlines() == [
        "<script>x</script>=none", "b=cluster not found; a <b> & \"c\" 'd' | e", "c=x", "d=none"]
    assert (tmp_path / "audit_report.md").read_text() == (FIXTURES / "audit_report.md").read_text()

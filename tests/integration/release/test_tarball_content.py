"""What the built tarball holds: what an installed collection needs (the galaxy manifest, LICENSE, README, the
runtime and execution-environment metadata with the files it names, plugins, roles, playbooks, the changelog) and
nothing it cannot use (the tests and the roles' molecule scenarios, which need the checkout's sandbox; the
sandbox's inventory; the development tooling; build leftovers)."""

from __future__ import annotations

import tarfile

import pytest

from harness import CHECKOUT

REQUIRED = ("MANIFEST.json", "FILES.json", "LICENSE", "README.md", "meta/runtime.yml",
            "meta/execution-environment.yml", "requirements.txt", "bindep.txt", "requirements.yml",
            "changelogs/changelog.yaml", "changelogs/config.yaml",
            "playbooks/enable_audit.yml", "playbooks/disable_audit.yml", "playbooks/audit_report.yml",
            "playbooks/measure_overhead.yml", "inventories/aws_example/aws_rds.yml",
            "playbooks/tasks/render_report.yml", "playbooks/templates/audit_report.md.j2",
            "playbooks/templates/audit_report.html.j2", "playbooks/templates/audit_report_cells.j2")
REQUIRED_TREES = ("plugins/modules", "plugins/module_utils", "plugins/doc_fragments", "plugins/filter",
                  "roles/pgaudit/tasks", "roles/activity_stream/tasks", "roles/measure_overhead/tasks",
                  "roles/das_alerting/tasks", "roles/pgaudit_alerting/tasks")
# Top-level entries that are the checkout's, not the collection's.
FORBIDDEN_TOPS = {"tests", "sandbox", "scripts", "benchmarks", "build", ".venv", ".sandbox", ".git", ".ci",
                  ".cache", ".pytest_cache", ".ruff_cache", ".ansible", "Makefile", "ansible.cfg", "pytest.ini",
                  "ruff.toml", "requirements-dev.txt", ".gitignore", ".ansible-lint"}


@pytest.fixture(scope="module")
def members(collection_tarball) -> list[str]:
    with tarfile.open(collection_tarball) as archive:
        return archive.getnames()


def test_required_files_are_in_the_tarball(members):
    assert [name for name in REQUIRED if name not in members] == []
    for tree in REQUIRED_TREES:
        assert any(name.startswith(tree + "/") for name in members), tree
    # Every module of the checkout is shipped.
    modules = {path.name for path in (CHECKOUT / "plugins" / "modules").glob("*.py")}
    assert modules <= {name.rsplit("/", 1)[-1] for name in members if name.startswith("plugins/modules/")}


def test_changelog_is_in_the_tarball_once_released(members):
    if not (CHECKOUT / "CHANGELOG.rst").is_file():
        pytest.skip("no CHANGELOG.rst yet: it is written by `antsibull-changelog release` when 0.1.0 is released")
    assert "CHANGELOG.rst" in members


def test_nothing_the_installed_collection_cannot_use(members, collection_tarball):
    tops = {name.split("/", 1)[0] for name in members}
    assert tops & FORBIDDEN_TOPS == set()
    assert [name for name in members if name.startswith("inventories/sandbox")] == []
    assert [name for name in members if "/molecule/" in name or name.endswith("/molecule")] == []
    assert [name for name in members if "__pycache__" in name or name.endswith((".pyc", ".tar.gz"))] == []
    # No shipped Python file imports the sandbox: it is not in the tarball, so such a file could not run.
    importing = []
    with tarfile.open(collection_tarball) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.endswith(".py"):
                text = archive.extractfile(member).read().decode("utf-8")
                if any(line.lstrip().startswith(("import sandbox", "from sandbox")) for line in text.splitlines()):
                    importing.append(member.name)
    assert importing == []

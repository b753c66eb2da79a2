"""The release metadata says one thing everywhere: galaxy.yml's collection dependencies and requirements.yml name the
same collections with the same ranges, each range is bounded above and starts at what the pinned `ansible` package
bundles (what every test here runs against); the runtime Python requirements (requirements.txt, what an execution
environment installs) are met by the development pins; the EE metadata names files that exist; the links are real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ansible
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

CHECKOUT = Path(__file__).resolve().parents[2]
BUNDLED = Path(ansible.__file__).resolve().parent.parent / "ansible_collections"


def load(name: str):
    return yaml.safe_load((CHECKOUT / name).read_text(encoding="utf-8"))


def galaxy_dependencies() -> dict[str, str]:
    return load("galaxy.yml")["dependencies"]


def requirement_lines(name: str) -> list[Requirement]:
    lines = (CHECKOUT / name).read_text(encoding="utf-8").splitlines()
    return [Requirement(line.split("#", 1)[0]) for line in lines if line.split("#", 1)[0].strip()]


def test_requirements_yml_names_the_galaxy_dependencies_with_the_same_ranges():
    collections = {entry["name"]: entry["version"] for entry in load("requirements.yml")["collections"]}
    assert collections == galaxy_dependencies()


@pytest.mark.parametrize("collection", sorted(galaxy_dependencies()))
def test_each_dependency_range_starts_at_the_bundled_version_and_has_an_upper_bound(collection):
    namespace, name = collection.split(".")
    manifest = json.loads((BUNDLED / namespace / name / "MANIFEST.json").read_text(encoding="utf-8"))
    bundled = manifest["collection_info"]["version"]
    specifiers = SpecifierSet(galaxy_dependencies()[collection])
    assert {spec.operator for spec in specifiers} == {">=", "<"}, specifiers
    assert [spec.version for spec in specifiers if spec.operator == ">="] == [bundled]
    assert Version(bundled) in specifiers


def test_every_collection_the_content_uses_is_declared():
    shipped = [path for top in ("roles", "playbooks", "plugins") for path in (CHECKOUT / top).rglob("*")
               if path.suffix in (".yml", ".py") and "molecule" not in path.parts]
    used = {prefix for path in shipped for prefix in ("amazon.aws.", "community.aws.", "community.postgresql.")
            if prefix in path.read_text(encoding="utf-8")}
    assert {prefix.rstrip(".") for prefix in used} <= set(galaxy_dependencies())


def test_runtime_python_requirements_are_met_by_the_development_pins():
    pins = {req.name.lower(): req for req in requirement_lines("requirements-dev.txt")}
    runtime = requirement_lines("requirements.txt")
    assert {req.name.lower() for req in runtime} == {"boto3", "botocore", "psycopg2-binary"}
    for req in runtime:
        [pinned] = [spec.version for spec in pins[req.name.lower()].specifier if spec.operator == "=="]
        assert Version(pinned) in req.specifier, (req, pinned)


def test_execution_environment_metadata_names_existing_files():
    meta = load("meta/execution-environment.yml")
    assert meta["version"] == 1
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    for name in meta["dependencies"].values():
        assert (CHECKOUT / name).is_file(), name


def test_license_and_links():
    galaxy = load("galaxy.yml")
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    assert "GNU GENERAL PUBLIC LICENSE" in (CHECKOUT / "LICENSE").read_text(encoding="utf-8")[:200]
    for key in ("repository", "documentation", "homepage", "issues"):
        assert galaxy[key].startswith("https://github.com/dbaudit/dbaudit.postgresql"), key


def test_changelog_fragments_and_config_lint_clean():
    """`antsibull-changelog release` (run by hand when a version is released) takes what lint accepts."""
    proc = subprocess.run([str(Path(sys.executable).parent / "antsibull-changelog"), "lint"], cwd=CHECKOUT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
    config = load("changelogs/config.yaml")
    assert config["changelog_filename_template"] == "../CHANGELOG.rst"
    assert config["prelude_section_name"] == "release_summary"

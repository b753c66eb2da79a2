"""An execution environment from the built tarball: `ansible-builder create` makes the build context of
examples/execution-environment/ (it only writes the context; building the image needs podman or docker and
registries, which this machine has not), and `ansible-builder introspect` on the installed tarball shows what the
image build collects from it (the same introspect.py runs inside the build): the runtime Python packages and the
system packages of requirements.txt and bindep.txt."""

from __future__ import annotations

import shutil

import yaml

from release_testing import run

from harness import BIN, CHECKOUT

EXAMPLE = CHECKOUT / "examples" / "execution-environment" / "execution-environment.yml"


def test_builder_context_installs_the_tarball(tmp_path, collection_tarball, galaxy_env):
    definition = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    [build_file] = definition["additional_build_files"]
    assert build_file["src"] == collection_tarball.name, "the example names another version's tarball"
    shutil.copy(EXAMPLE, tmp_path / "execution-environment.yml")
    shutil.copy(collection_tarball, tmp_path / collection_tarball.name)

    run([BIN / "ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context",
         "--output-filename", "Containerfile"], galaxy_env, tmp_path)

    build = tmp_path / "context" / "_build"
    requirements = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))
    [collection] = requirements["collections"]
    assert collection["type"] == "file"
    assert (build / collection["name"]).read_bytes() == collection_tarball.read_bytes()
    containerfile = (tmp_path / "context" / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile and (build / "scripts" / "introspect.py").is_file()


def test_introspect_collects_the_runtime_dependencies(installed_collections, galaxy_env, release_dir):
    out = run([BIN / "ansible-builder", "introspect", "--sanitize", installed_collections], galaxy_env,
              release_dir).stdout
    collected = yaml.safe_load(out[out.index("---"):])
    ours = " # from collection dbaudit.postgresql"
    python = sorted(line.split(ours)[0].split(">=")[0] for line in collected["python"] if line.endswith(ours))
    system = sorted(line.split(ours)[0].strip() for line in collected["system"] if line.endswith(ours))
    assert python == ["boto3", "botocore", "psycopg2-binary"]
    assert system == ["postgresql [platform:rpm]", "postgresql-client [platform:dpkg]",
                      "postgresql-contrib [platform:dpkg platform:rpm]"]

"""The collection as users get it: the tarball `ansible-galaxy collection build` makes from the checkout (built once
per test run, whatever the number of pytest-xdist workers) and that tarball installed offline into a collections
path of its own, beside the collections the pinned `ansible` package bundles (which Ansible always searches)."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager

import pytest
import yaml
from release_testing import run

from harness import BIN, CHECKOUT, ansible_env


@contextmanager
def _only_one_worker(root):
    """Held while a worker builds or installs into ``root``: the others wait, then find it done."""
    with open(root / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory):
    """A directory outside the checkout with an empty ansible.cfg (the checkout's points at the checkout). Under
    pytest-xdist it is the run's, shared by the workers (the parent of each worker's base temp)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.getbasetemp().parent / "release"
        root.mkdir(exist_ok=True)
    else:
        root = tmp_path_factory.mktemp("release")
    (root / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def galaxy_env(release_dir):
    return ansible_env(None, {"ANSIBLE_CONFIG": str(release_dir / "ansible.cfg")})


@pytest.fixture(scope="session")
def collection_tarball(release_dir, galaxy_env):
    galaxy = yaml.safe_load((CHECKOUT / "galaxy.yml").read_text(encoding="utf-8"))
    out = release_dir / "dist"
    tarball = out / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    with _only_one_worker(release_dir):
        if not tarball.is_file():
            run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, CHECKOUT], galaxy_env,
                release_dir)
    assert tarball.is_file()
    return tarball


@pytest.fixture(scope="session")
def installed_collections(release_dir, galaxy_env, collection_tarball):
    """The collections path the tarball is installed into (--offline: its dependencies must be met by the bundled
    amazon.aws, community.aws and community.postgresql)."""
    path = release_dir / "collections"
    with _only_one_worker(release_dir):
        if not (path / "ansible_collections" / "dbaudit" / "postgresql" / "MANIFEST.json").is_file():
            run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", path, collection_tarball],
                dict(galaxy_env, ANSIBLE_COLLECTIONS_PATH=str(path)), release_dir)
    assert (path / "ansible_collections" / "dbaudit" / "postgresql" / "MANIFEST.json").is_file()
    return path

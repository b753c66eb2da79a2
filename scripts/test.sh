#!/usr/bin/env bash
# The test command (`make test`): every check, in order of cost. pytest runs in DBAUDIT_TEST_WORKERS pytest-xdist
# workers (default 2, one per core here: the integration tests mostly wait on ansible-playbook and the emulator),
# each starting and stopping its own sandbox (`pytest-gw0`, `pytest-gw1`); the tests of one file stay on one worker.
# With DBAUDIT_SANDBOX_ENV pointing at a running sandbox, pytest runs in one process against that one.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$(pwd)/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$(pwd)/ansible.cfg"
# Ansible's home (~/.ansible) inside the venv: a copy of this collection installed in the user's home (by an
# older molecule run, say) would otherwise shadow the checkout for ansible-lint.
export ANSIBLE_HOME="$(pwd)/.venv/ansible-home"
failed=()
step() {
  local name="$1"; shift
  printf '\n\033[1m=== %s\033[0m\n' "$name"
  local started=$SECONDS
  if "$@"; then
    printf '=== %s: ok (%ds)\n' "$name" $((SECONDS - started))
  else
    printf '=== %s: FAILED (%ds)\n' "$name" $((SECONDS - started))
    failed+=("$name")
  fi
}

step "ruff" ruff check .
step "ansible-test sanity" scripts/sanity.sh
step "ansible-lint" ansible-lint --offline
step "collection build" ansible-galaxy collection build --force --output-path build/
# The collection as users install it: the tarball installed, then ansible-test sanity on that install.
step "ansible-test sanity (installed tarball)" scripts/sanity.sh --installed \
  "$(ls -t build/dbaudit-postgresql-*.tar.gz | head -1)"
workers="${DBAUDIT_TEST_WORKERS:-2}"
[ -n "${DBAUDIT_SANDBOX_ENV:-}" ] && workers=0
step "pytest (unit and integration)" python -m pytest -q -p no:cacheprovider -n "$workers" --dist loadfile \
  --durations=25 tests

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nall checks passed\n'

#!/usr/bin/env bash
# ansible-test sanity on the collection. ansible-test wants the checkout at
# .../ansible_collections/dbaudit/postgresql, so the files git knows (tracked and new, not
# ignored) are copied there first; the copy is what is tested.
#   scripts/sanity.sh [ansible-test options]              the checkout (tests/ included)
#   scripts/sanity.sh --installed TARBALL [options]      the collection as users install it from the tarball
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT="$(pwd)"
TARBALL=""
if [ "${1:-}" = "--installed" ]; then TARBALL="$(realpath "$2")"; shift 2; fi
# Outside the checkout: inside it, ansible-test would ask git and find the copy ignored.
BASE="${TMPDIR:-/tmp}/dbaudit-sanity-$(id -u)${TARBALL:+-installed}"
ROOT="$BASE/ansible_collections/dbaudit/postgresql"
rm -rf "$BASE" && mkdir -p "$BASE"
if [ -n "$TARBALL" ]; then
  # --force: the checkout is installed already under the same name and version (.venv/collections).
  .venv/bin/ansible-galaxy collection install --offline --no-deps --force -p "$BASE" "$TARBALL" 2>&1 | grep -v "not part of the configured" || true
else
  mkdir -p "$ROOT"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    if [ -e "$f" ]; then printf '%s\0' "$f"; fi
  done | tar --null -T - -cf - | tar -xf - -C "$ROOT"
fi
# ansible-test bootstraps pip in its sanity virtualenvs with a script from a host we cannot
# reach; give it a local stand-in (see scripts/ansible_test_get_pip.py).
PIP_VERSION="$(.venv/bin/python -c 'import re, ansible_test._internal.python_requirements as r, inspect; print(re.search(r"pip=.([0-9.]+).", inspect.getsource(r)).group(1))')"
mkdir -p ~/.ansible/test/cache
cp scripts/ansible_test_get_pip.py ~/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py
# The collections ours imports from (amazon.aws, community.aws), beside it as ansible-test expects.
SITE_COLLECTIONS="$(.venv/bin/python -c 'import os, ansible; print(os.path.join(os.path.dirname(os.path.dirname(ansible.__file__)), "ansible_collections"))')"
for namespace in amazon community; do ln -sfn "$SITE_COLLECTIONS/$namespace" "$ROOT/../../$namespace"; done
cd "$ROOT"
PYV="$("$CHECKOUT/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
exec "$CHECKOUT/.venv/bin/ansible-test" sanity --python "$PYV" --color no "$@"

#!/usr/bin/env bash
# One-step setup on a fresh machine: .venv with the pinned Python dependencies, the collection
# importable as dbaudit.postgresql, and PostgreSQL 15 with pgAudit. Re-running it is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT="$(pwd)"
PYTHON="${PYTHON:-python3}"

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

# 1. PostgreSQL 15 and pgAudit (Debian packages).
if [ ! -e /usr/lib/postgresql/15/lib/pgaudit.so ] || [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing postgresql-15 and postgresql-15-pgaudit (apt-get)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    postgresql-15 postgresql-client-15 postgresql-15-pgaudit >/dev/null
  # The Debian package starts a cluster of its own on 5432; the sandbox does not need it.
  if command -v pg_ctlcluster >/dev/null && pg_lsclusters 2>/dev/null | grep -q '^15 *main .*online'; then
    $SUDO pg_ctlcluster 15 main stop || true
  fi
fi

# 2. The virtualenv with pinned dependencies; reinstalled only when requirements-dev.txt changes.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
WANT="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"
HAVE="$(cat .venv/.requirements.sha256 2>/dev/null || true)"
if [ "$WANT" != "$HAVE" ]; then
  say "installing Python dependencies (requirements-dev.txt)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  echo "$WANT" > .venv/.requirements.sha256
fi

# 3. The collection importable as dbaudit.postgresql (ansible.cfg points collections_path here).
mkdir -p .venv/collections/ansible_collections/dbaudit
ln -sfn "$CHECKOUT" .venv/collections/ansible_collections/dbaudit/postgresql

# 4. The Lambda zips the alerting roles deploy (roles/alerting_common/files/lambda/): built here, never at run
# time. das_decrypt's wheels come from PyPI the first time only; a rebuild with them present is offline and
# gives the same bytes.
say "building the Lambda zips (lambdas/build_zips.py)"
.venv/bin/python lambdas/build_zips.py >/dev/null

ANSIBLE_VERSION="$(.venv/bin/python -c 'from ansible.release import __version__; print(__version__)')"
say "ready: ansible-core $ANSIBLE_VERSION, $(/usr/lib/postgresql/15/bin/postgres --version)"

#!/usr/bin/env bash
# `make demo`: the main job on the sandbox. Starts the sandbox, creates an emulated fleet of
# Aurora PostgreSQL clusters, runs enable_audit over it, shows the fleet's state and what the audit trail records of an
# application user's GRANT (and that its SELECT is not recorded), the alerts that reached the demo
# inbox from both paths and the decrypted events in S3, the audit report, then runs
# enable_audit again to show that nothing changes the second time.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTERS="${DBAUDIT_DEMO_CLUSTERS:-3}"
export PATH="$(pwd)/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$(pwd)/ansible.cfg"

banner() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

banner "sandbox: PostgreSQL 15 + pgAudit, AWS emulator, pipeline"
python -m sandbox up
banner "an emulated fleet of $CLUSTERS Aurora PostgreSQL clusters"
python -m sandbox fleet --clusters "$CLUSTERS"
# shellcheck disable=SC1091
. .sandbox/default/env.sh

banner "enable_audit (first run: changes)"
ansible-playbook -i inventories/sandbox playbooks/enable_audit.yml

banner "the fleet in the AWS emulator"
python -m sandbox.demo_summary

banner "audited activity: ordinary statements and a GRANT by app_user (profile baseline: role, ddl)"
python -m sandbox.demo_activity

banner "audit_report: what is audited where, and drift from policy"
ansible-playbook -i inventories/sandbox playbooks/audit_report.yml -e dbaudit_report_dir="$(pwd)/.sandbox/default/report" \
  -e dbaudit_fail_on_drift=true > .sandbox/default/report.log || { tail -40 .sandbox/default/report.log; exit 1; }
cat .sandbox/default/report/audit_report.md
echo "(also .sandbox/default/report/audit_report.json and audit_report.html)"

banner "enable_audit (second run: nothing to change)"
ansible-playbook -i inventories/sandbox playbooks/enable_audit.yml | tee .sandbox/default/second_run.log
if grep -Eq 'changed=[1-9]' .sandbox/default/second_run.log; then
  echo "second run changed something"; exit 1
fi
echo "second run: no changes"

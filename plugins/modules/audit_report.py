#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: dbaudit.postgresql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Ansible modules import after DOCUMENTATION, EXAMPLES and RETURN.
# ruff: noqa: E402

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: audit_report
short_description: Compute the audit compliance report of a fleet, with its drift from policy, and write its data
version_added: 0.1.0
description:
  - Computes, per cluster, the drift between the audit policy (what C(enable_audit.yml) applies) and what was
    read (the AWS side from M(dbaudit.postgresql.rds_fleet_audit_info), the databases from
    M(dbaudit.postgresql.pgaudit_info)), returns the report and writes its data as C(audit_report.json) to
    O(output_dir).
  - The file is written only when its content changes. C(generated), when the report was made, does not count as a
    change - when everything else is as in the C(audit_report.json) already there, its C(generated) is kept, so
    that an unchanged fleet changes no file and a re-run reports C(changed=false).
  - The Markdown and HTML forms are not made here - C(audit_report.yml) renders them from this module's result with
    M(ansible.builtin.template) and the templates C(playbooks/templates/audit_report.md.j2) and
    C(playbooks/templates/audit_report.html.j2), which a user may replace (C(dbaudit_report_markdown_template),
    C(dbaudit_report_html_template)).
  - Touches nothing but the report file; C(audit_report.yml) runs it once on the controller.
author:
  - dbaudit.postgresql maintainers (@dbaudit)
options:
  clusters:
    description: One entry per inventory host.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: Inventory name.
        type: str
        required: true
      kind:
        description:
          - V(cluster) an Aurora PostgreSQL cluster (looked up in O(aws)), V(instance) an RDS for PostgreSQL DB instance
            (looked up in O(instances)), V(self_managed) a server of your own, reported from O(clusters[].database)
            alone (its own C(shared_preload_libraries) and a pending restart in place of a parameter group).
        type: str
        choices: [cluster, instance, self_managed]
        default: cluster
      cluster_identifier:
        description: The cluster, or the DB instance (for a self-managed server, any name; the host's).
        type: str
        required: true
      policy:
        description:
          - What the policy asks for - C(preload_libraries), C(parameters) (C(pgaudit.*) of the parameter group),
            C(reboot_policy), C(log_export), C(log_retention_days), C(databases), C(role_policies) (each with
            C(role), optional C(database), C(profile) and its C(settings)), C(das_enabled), C(das_mode),
            C(pgaudit_alerting), C(das_alerting), C(pgaudit_alerting_function) (the function the log group's
            subscription filter must reach), C(das_alerting_name) (the DAS alerting pipeline, a key of O(pipelines)).
          - A role policy whose C(settings) is not a mapping (its profile did not resolve) is drift - an
            C(unresolvable policy), never compliant.
        type: dict
        required: true
      database:
        description: The registered result of M(dbaudit.postgresql.pgaudit_info) for the cluster.
        type: dict
  aws:
    description: The C(clusters) result of M(dbaudit.postgresql.rds_fleet_audit_info).
    type: dict
    required: true
  instances:
    description: The C(instances) result of M(dbaudit.postgresql.rds_fleet_audit_info).
    type: dict
    default: {}
  pipelines:
    description:
      - The C(pipelines) result of M(dbaudit.postgresql.rds_fleet_audit_info) - per DAS alerting pipeline the decrypt
        function's policy (checked to name each cluster's stream, key and resource id) and its hardening.
    type: dict
    default: {}
  output_dir:
    description: Directory C(audit_report.json) is written to (created if missing).
    type: path
    required: true
attributes:
  check_mode:
    description: In check mode the report is computed and returned, and C(changed) says whether the file would change;
      nothing is written.
    support: full
  diff_mode:
    description: The C(audit_report.json) there before and the one written (or, in check mode, that would be).
    support: full
"""

EXAMPLES = r"""
- name: Write the report
  dbaudit.postgresql.audit_report:
    clusters: "{{ report_inputs }}"
    aws: "{{ fleet.clusters }}"
    output_dir: /tmp/audit-report
  run_once: true
  register: report
"""

RETURN = r"""
generated:
  description:
    - When the report was made (UTC). A run that finds everything as the C(audit_report.json) already in
      O(output_dir) says keeps that file's time, so the time is when the report's content was last new.
  returned: always
  type: str
  sample: "2026-12-02T13:00:00Z"
clusters:
  description: The report's rows, one per cluster, with C(drift), the differences from policy (empty when none).
  returned: always
  type: list
  elements: dict
clusters_with_drift:
  description: How many clusters drift from their policy.
  returned: always
  type: int
drift:
  description: The differences from policy, by host (hosts without drift left out).
  returned: always
  type: dict
  sample: {"orders-prod": ["role app in database orders: pgaudit.log is not set (profile baseline: role,ddl)"]}
hardening:
  description:
    - Per DAS alerting pipeline its bucket versioning and delivery stream encryption, and C(warnings) - activity
      stream keys without rotation, buckets without versioning, delivery streams without server-side encryption.
      Warnings are not drift (each can be turned off on purpose); they are also shown as Ansible warnings.
  returned: always
  type: dict
  sample: {"pipelines": {"dbaudit-das": {"bucket": "b", "bucket_versioning": "Enabled", "delivery_stream": "d",
           "delivery_stream_encryption": "ENABLED", "delivery_stream_key_type": "AWS_OWNED_CMK"}}, "warnings": []}
files:
  description: The report file this module writes (unless in check mode, and only when its content changes).
  returned: always
  type: dict
  sample: {"json": "/tmp/r/audit_report.json"}
diff:
  description: The C(audit_report.json) there before (empty when there was none) and the one written.
  returned: when the file changes (or would) and diff mode is on
  type: list
  elements: dict
  sample: [{"before_header": "/tmp/r/audit_report.json", "after_header": "/tmp/r/audit_report.json",
            "before": "{...}", "after": "{...}"}]
"""

import datetime
import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dbaudit.postgresql.plugins.module_utils.audit_drift import cluster_drift
from ansible_collections.dbaudit.postgresql.plugins.module_utils.audit_drift import resource_of
from ansible_collections.dbaudit.postgresql.plugins.module_utils.audit_report_render import hardening
from ansible_collections.dbaudit.postgresql.plugins.module_utils.audit_report_render import keep_generated
from ansible_collections.dbaudit.postgresql.plugins.module_utils.audit_report_render import row
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import changes
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import current_content
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import diff
from ansible_collections.dbaudit.postgresql.plugins.module_utils.report_files import write_changes

CLUSTER_SPEC = dict(
    host=dict(type="str", required=True),
    kind=dict(type="str", default="cluster", choices=["cluster", "instance", "self_managed"]),
    cluster_identifier=dict(type="str", required=True),
    policy=dict(type="dict", required=True),
    database=dict(type="dict"),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            clusters=dict(type="list", elements="dict", required=True, options=CLUSTER_SPEC),
            aws=dict(type="dict", required=True),
            instances=dict(type="dict", default={}),
            pipelines=dict(type="dict", default={}),
            output_dir=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    rows = []
    for entry in module.params["clusters"]:
        aws = resource_of(entry, module.params["aws"], module.params["instances"])
        drift = cluster_drift(entry["policy"], aws, entry["database"], module.params["pipelines"])
        rows.append(row(entry["host"], entry["cluster_identifier"], aws, entry["database"], drift))
    report = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "clusters": rows,
        "clusters_with_drift": sum(1 for r in rows if r["drift"]),
        "hardening": hardening(rows, module.params["pipelines"]),
    }
    output_dir = module.params["output_dir"]
    files = dict(json=os.path.join(output_dir, "audit_report.json"))
    try:
        report = keep_generated(report, current_content(files["json"]))
        changed = changes({files["json"]: to_bytes(json.dumps(report, indent=2, sort_keys=True) + "\n")})
        if not module.check_mode:
            write_changes(module, output_dir, changed)
    except (IOError, OSError) as e:
        module.fail_json(msg="cannot write the report to output_dir %s: %s" % (output_dir, e))
    for warning in report["hardening"]["warnings"]:
        module.warn("hardening: %s" % warning)
    result = dict(changed=bool(changed), generated=report["generated"], clusters=rows,
                  clusters_with_drift=report["clusters_with_drift"], hardening=report["hardening"],
                  drift=dict((r["host"], r["drift"]) for r in rows if r["drift"]), files=files)
    if changed and module._diff:  # pylint: disable=protected-access
        result["diff"] = diff(changed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

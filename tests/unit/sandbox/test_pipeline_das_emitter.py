"""pgAudit entries -> DAS events (no sandbox needed)."""

from __future__ import annotations

from sandbox.pipeline.das_emitter import audit_event
from sandbox.pipeline.server_log import parse_entries

LOG = ('2026-11-24 14:50:34.167 UTC:127.0.0.1(43638):app_user@demo_cluster_01:[17070]:LOG:  AUDIT: '
       'SESSION,3,1,ROLE,GRANT,TABLE,,"GRANT SELECT ON t TO ""y, z""",<not logged>\n'
       '2026-11-24 14:50:35.000 UTC:127.0.0.1(43638):app_user@demo_cluster_01:[17070]:LOG:  statement: SELECT 1\n')


def test_audit_line_becomes_das_event():
    grant, plain = parse_entries(LOG)
    event = audit_event(grant)
    assert event["class"] == "ROLE" and event["command"] == "GRANT"
    assert event["commandText"] == 'GRANT SELECT ON t TO "y, z"'
    assert (event["dbUserName"], event["databaseName"]) == ("app_user", "demo_cluster_01")
    assert (event["remoteHost"], event["remotePort"], event["pid"]) == ("127.0.0.1", "43638", 17070)
    assert event["objectType"] == "TABLE" and event["paramList"] == []
    assert event["type"] == "record"
    assert audit_event(plain) is None

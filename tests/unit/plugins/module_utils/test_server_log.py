"""The server log read from a file between two positions (the SQL side needs a server: the overhead tests run it)."""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(CHECKOUT / ".venv" / "collections"))

from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import ServerLog  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import measure_log  # noqa: E402
from ansible_collections.dbaudit.postgresql.plugins.module_utils.server_log import not_measured  # noqa: E402


def test_server_log_from_a_file_measures_what_lies_between_two_positions(tmp_path):
    log_file = tmp_path / "postgresql.log"
    log_file.write_bytes(b"before the run\n")
    server_log = ServerLog({}, "file", str(log_file))
    start = server_log.position()
    with log_file.open("ab") as handle:
        handle.write(b"2026 bench@db: LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,SELECT 1,<none>\n"
                     b"\tcontinued\n2026 other@db: LOG:  checkpoint\n")
    measured = measure_log(server_log, start, server_log.position(), "bench@db:")
    assert measured == {"bytes": 113, "lines": 3, "audit_bytes": 81, "audit_lines": 2, "audit_entries": 1,
                        "measured": True, "source": "file", "reason": None, "match": "bench@db:"}


def test_a_log_not_measured_says_why_and_counts_nothing():
    assert not_measured("none", "log_source=none") == {
        "measured": False, "source": "none", "reason": "log_source=none", "bytes": None, "lines": None,
        "audit_bytes": None, "audit_lines": None, "audit_entries": None, "match": None}

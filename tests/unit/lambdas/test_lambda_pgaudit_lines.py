"""pgAudit entries out of RDS/Aurora log text: both prefixes, CSV quoting, multi-line statements."""

from __future__ import annotations

from audit_alert.pgaudit_lines import join_entries, parse_entry, parse_pgaudit

RDS = "2026-11-24 14:50:34 UTC:10.0.1.25(43638):alice@appdb:[17070]:"
AURORA16 = ("2026-11-24 14:50:34.167 UTC:10.0.1.25(43638):alice@appdb:[17070]:"
            "12:00000:2026-11-24 14:50:00 UTC:3/45:0:6543abc.42ae:psql")


def test_reference_example_line():
    line = ("2026-11-24 14:50:34.167 UTC:127.0.0.1(43638):x@postgres:[17070]:LOG:  AUDIT: "
            "SESSION,1,1,ROLE,GRANT,TABLE,,GRANT SELECT ON t TO y,<not logged>")
    event = parse_entry(line, "c", "i")
    assert (event.user, event.database, event.client) == ("x", "postgres", "127.0.0.1(43638)")
    assert (event.audit_class, event.command, event.object_type, event.object_name) == ("ROLE", "GRANT", "TABLE", "")
    assert event.statement == "GRANT SELECT ON t TO y"
    assert (event.cluster, event.instance, event.time) == ("c", "i", "2026-11-24 14:50:34.167 UTC")


def test_aurora16_prefix_gives_application_and_session():
    event = parse_entry(AURORA16 + "LOG:  AUDIT: SESSION,2,1,DDL,CREATE TABLE,TABLE,public.t,"
                                   "CREATE TABLE t (a int),<none>")
    assert event.application == "psql"
    assert event.extra["sessionId"] == "6543abc.42ae"
    assert (event.user, event.database) == ("alice", "appdb")
    assert (event.command, event.object_name) == ("CREATE TABLE", "public.t")


def test_csv_quoting_commas_quotes_and_newlines_across_cloudwatch_events():
    messages = [RDS + "LOG:  AUDIT: SESSION,3,1,WRITE,INSERT,TABLE,public.t,"
                + '"INSERT INTO t VALUES (\'a,b\', \'say ""hi""\',',
                "'second line')\",<not logged>",
                RDS + "LOG:  AUDIT: SESSION,4,1,READ,SELECT,,,SELECT 1,<not logged>"]
    events = parse_pgaudit(messages)
    assert [e.statement for e in events] == ["INSERT INTO t VALUES ('a,b', 'say \"hi\"',\n'second line')", "SELECT 1"]


def test_the_tab_postgresql_puts_before_continuation_lines_is_removed():
    # As in the sandbox PostgreSQL 15 log: the second line of the statement starts with a tab.
    messages = [RDS + 'LOG:  AUDIT: SESSION,1,1,WRITE,INSERT,,,"INSERT INTO t (note, quote)',
                "\tVALUES ('a,b', 'say \"\"hi\"\" and it''s')\",<not logged>"]
    (event,) = parse_pgaudit(messages)
    assert event.statement == "INSERT INTO t (note, quote)\nVALUES ('a,b', 'say \"hi\" and it''s')"


def test_a_continuation_line_that_looks_like_a_prefix_stays_in_its_statement():
    inner = RDS + "LOG:  AUDIT: not a real entry"
    message = RDS + f'LOG:  AUDIT: SESSION,5,1,WRITE,INSERT,TABLE,t,"INSERT INTO t VALUES (\'\n{inner}\')",<none>'
    events = parse_pgaudit([message])
    assert len(events) == 1
    assert inner in events[0].statement


def test_ipv6_local_and_empty_user_database():
    audit = "LOG:  AUDIT: SESSION,1,1,MISC,SET,,,SET x = 1,<none>"
    ipv6 = parse_entry("2026-11-24 14:50:34 UTC:::1(5432):bob@db:[9]:" + audit)
    assert (ipv6.client, ipv6.user) == ("::1(5432)", "bob")
    local = parse_entry("2026-11-24 14:50:34 UTC:[local]:bob@db:[9]:" + audit)
    assert local.client == "[local]"


def test_other_log_lines_and_levels():
    assert parse_entry(RDS + "LOG:  statement: SELECT 1") is None
    assert parse_entry(RDS + "ERROR:  relation \"x\" does not exist") is None
    assert parse_entry("not a log line at all") is None
    notice = parse_entry(RDS + "NOTICE:  AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.t,SELECT * FROM t,<none>,3")
    assert notice.extra["level"] == "NOTICE" and notice.extra["auditType"] == "OBJECT" and notice.extra["rows"] == "3"


def test_parameter_field_is_not_kept():
    event = parse_entry(RDS + "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,SELECT $1,hunter2")
    assert "hunter2" not in repr(event)


def test_join_entries_drops_leading_orphans_and_splits_on_prefixes():
    entries = join_entries(["orphan continuation", RDS + "LOG:  a\nmore", RDS + "LOG:  b"])
    assert entries == [RDS + "LOG:  a\nmore", RDS + "LOG:  b"]

"""Flood control: one message per rule per window, folded counts reported, per-batch grouping."""

from __future__ import annotations

from dbaudit_alerts.alert_dispatch import AlertConfig, AlertDispatcher
from dbaudit_alerts.audit_event import AuditEvent
from dbaudit_alerts.flood_control import FloodGate
from dbaudit_alerts.rules import parse_rules


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_first_match_sends_then_folds_until_window_ends():
    clock = Clock()
    gate = FloodGate(300, clock)
    assert gate.admit("r").send
    assert not gate.admit("r", 5).send
    clock.now += 299
    assert not gate.admit("r").send
    clock.now += 1
    admission = gate.admit("r")
    assert admission.send and admission.folded_before == 6 and admission.folded_since == 1_700_000_000.0


def test_rules_have_separate_windows():
    gate = FloodGate(300, Clock())
    assert gate.admit("a").send
    assert gate.admit("b").send
    assert not gate.admit("a").send


def test_summary_of_a_closed_window_is_due_once_and_opens_a_new_window():
    clock = Clock()
    gate = FloodGate(60, clock)
    gate.admit("r")
    gate.admit("r", 3)
    assert gate.due_summaries() == []  # window still open
    clock.now += 61
    (summary,) = gate.due_summaries()
    assert (summary.rule, summary.folded) == ("r", 3)
    assert gate.due_summaries() == []
    assert not gate.admit("r").send  # the summary was this window's message


def test_zero_window_sends_every_batch():
    gate = FloodGate(0, Clock())
    assert gate.admit("r").send and gate.admit("r").send


def dispatcher(window: float, clock: Clock, sent: list) -> AlertDispatcher:
    config = AlertConfig(rules=parse_rules('[{"name": "roles", "classes": ["ROLE"]}]'), mode="sns",
                         topic_arn="arn:aws:sns:us-east-1:123456789012:t", window_seconds=window)
    return AlertDispatcher(config, lambda subject, message: sent.append((subject, message)), FloodGate(window, clock))


def role_event(n: int) -> AuditEvent:
    return AuditEvent(source="das", user=f"u{n}", database="d", audit_class="ROLE", command="GRANT")


def test_a_thousand_matches_in_a_batch_make_one_message_with_the_count():
    sent, clock = [], Clock()
    alerts = dispatcher(300, clock, sent)
    report = alerts.dispatch(alerts.match([role_event(n) for n in range(1000)] +
                                          [AuditEvent(source="das", audit_class="READ")]))
    assert (report.matched, report.published, len(sent)) == (1000, 1, 1)
    assert "999 more event(s) in the same batch" in sent[0][1]
    assert "u0@d" in sent[0][0]


def test_later_batches_fold_and_the_next_message_reports_them():
    sent, clock = [], Clock()
    alerts = dispatcher(300, clock, sent)
    alerts.dispatch(alerts.match([role_event(1)]))
    report = alerts.dispatch(alerts.match([role_event(2), role_event(3)]))
    assert (report.published, report.folded, len(sent)) == (0, 2, 1)
    clock.now += 301
    alerts.dispatch(alerts.match([role_event(4)]))
    assert len(sent) == 2
    assert "2 match(es) of this rule since" in sent[1][1]


def test_summary_sent_when_the_window_closed_without_new_matches():
    sent, clock = [], Clock()
    alerts = dispatcher(300, clock, sent)
    alerts.dispatch(alerts.match([role_event(1)]))
    alerts.dispatch(alerts.match([role_event(2)]))
    clock.now += 301
    alerts.dispatch([])  # any later invocation of the container reports the closed window
    assert len(sent) == 2 and "1 more matches folded in" in sent[1][0]


def test_publish_failure_is_counted_not_raised():
    def failing(subject, message):
        raise RuntimeError("sns down")

    config = AlertConfig(rules=parse_rules('[{"name": "all"}]'), mode="sns", topic_arn="t", window_seconds=0)
    report = AlertDispatcher(config, failing).dispatch([(role_event(1), ["all"])])
    assert (report.published, report.publish_failures) == (0, 1)

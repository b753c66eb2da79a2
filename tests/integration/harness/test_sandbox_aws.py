"""amazon.aws / community.aws modules run idempotently against the emulator through ansible-playbook."""

from __future__ import annotations

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: topic
      community.aws.sns_topic:
        name: "{{ topic }}"
        display_name: audit alerts
    - name: log group
      amazon.aws.cloudwatchlogs_log_group:
        log_group_name: "{{ group }}"
        retention: 30
"""


def test_sns_topic_and_log_group_are_idempotent(playbook, aws_client, unique_name):
    names = {"topic": unique_name("alerts-"), "group": f"/aws/rds/cluster/{unique_name('c')}/postgresql"}
    first = playbook(PLAY, extra_vars=names)
    assert first.rc == 0, first.explain()
    assert first.result("topic")["changed"] and first.result("log group")["changed"]

    second = playbook(PLAY, extra_vars=names)
    assert second.rc == 0, second.explain()
    assert second.changed() == 0

    topics = [t["TopicArn"] for t in aws_client("sns").list_topics()["Topics"]]
    assert any(arn.endswith(":" + names["topic"]) for arn in topics)
    groups = aws_client("logs").describe_log_groups(logGroupNamePrefix=names["group"])["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [(names["group"], 30)]

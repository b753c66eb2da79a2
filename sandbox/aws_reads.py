"""Whole listings from the AWS emulator, page by page (moto pages Kinesis ListStreams at 10 names, AWS at 100)."""

from __future__ import annotations


def kinesis_stream_names(kinesis) -> list[str]:
    """Every Kinesis stream name of the account and region."""
    names: list[str] = []
    kwargs: dict = {}
    while True:
        page = kinesis.list_streams(**kwargs)
        names.extend(page.get("StreamNames", []))
        if not page.get("HasMoreStreams") or not page.get("StreamNames"):
            return names
        kwargs = {"ExclusiveStartStreamName": page["StreamNames"][-1]}

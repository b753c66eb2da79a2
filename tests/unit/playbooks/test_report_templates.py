"""The audit report's templates (playbooks/templates/) show what audit_report wrote before they replaced its string
code: the Markdown byte for byte (fixtures/audit_report/audit_report.md is that code's output for report.json),
the HTML the same page - the same elements and text, with the style, one element a line and Jinja's escaping of
quotes (&#39; for &#x27;) the only differences."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(CHECKOUT / "tests"))

from report_templates import render  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit_report"
# The HTML page the module's string code wrote for report.json, on one line.
BEFORE_TEMPLATES = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Audit report</title><style>'
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;"
    "vertical-align:top;text-align:left}th{background:#eee}tr.drift td{background:#fde8e8}tr.ok td{background:#eefbea}"
    "</style></head><body><h1>Audit report</h1><p>Generated 2026-12-02T13:00:00Z over 4 clusters: 2 with drift from "
    "policy.</p><table><thead><tr><th>Cluster</th><th>Parameter group</th><th>pgAudit loaded</th><th>Pending reboot"
    "</th><th>Extension per database</th><th>pgaudit.log per role / database</th><th>Log export</th><th>Activity "
    "stream</th><th>Stream key rotation</th><th>Alerting</th><th>Drift</th></tr></thead><tbody><tr class=\"ok\"><td>"
    "&lt;script&gt;x&lt;/script&gt;</td><td>orders-dbaudit</td><td>yes</td><td>orders-1, orders-2</td><td>b|ad error, "
    "orders 1.7, zed missing</td><td>app@orders: role,ddl, orders: ddl, o&#x27;neil: -</td><td>yes</td><td>started "
    "(async)</td><td>on</td><td>pgAudit log + activity stream</td><td>none</td></tr><tr class=\"drift\"><td>b</td><td>"
    "-</td><td>no</td><td>-</td><td>-</td><td>-</td><td>no</td><td>-</td><td>-</td><td>none</td><td>cluster not found; "
    "a &lt;b&gt; &amp; &quot;c&quot; &#x27;d&#x27; | e</td></tr><tr class=\"drift\"><td>c</td><td>-</td><td>no</td>"
    "<td>-</td><td>-</td><td>-</td><td>no</td><td>stopped</td><td>-</td><td>pgAudit log</td><td>x</td></tr><tr "
    "class=\"ok\"><td>d</td><td>-</td><td>no</td><td>-</td><td>-</td><td>-</td><td>no</td><td>started</td><td>off</td>"
    "<td>activity stream</td><td>none</td></tr></tbody></table><h2>Hardening</h2><ul><li>pipeline das: bucket b "
    "versioning Disabled; delivery stream d encryption ENABLED (AWS_OWNED_CMK)</li><li>pipeline p2: bucket b2 "
    "versioning -; delivery stream d2 encryption -</li><li>warning: cluster d: activity stream key has no automatic "
    "rotation</li><li>warning: pipeline das: bucket b versioning is Disabled</li><li>warning: pipeline p2: bucket b2 "
    "does not exist</li><li>warning: pipeline p2: delivery stream d2 does not exist</li></ul></body></html>\n")


class Page(HTMLParser):
    """The page as its tags, attributes and text (whitespace between elements and within the style left out)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.parts: list = []
        self.feed(text)

    def handle_decl(self, decl):
        self.parts.append(("declaration", decl))

    def handle_starttag(self, tag, attrs):
        self.parts.append(("start", tag, attrs))

    def handle_endtag(self, tag):
        self.parts.append(("end", tag))

    def handle_data(self, data):
        if self.lasttag == "style":
            data = "".join(data.split())
        if data.strip():
            self.parts.append(("text", data))


def report() -> dict:
    return json.loads((FIXTURES / "report.json").read_text())


def test_markdown_is_what_the_module_wrote():
    assert render("audit_report.md.j2", report()) == (FIXTURES / "audit_report.md").read_text()


def test_html_is_the_page_the_module_wrote():
    page = render("audit_report.html.j2", report())
    assert Page(page).parts == Page(BEFORE_TEMPLATES).parts
    assert page == (FIXTURES / "audit_report.html").read_text()


def test_an_empty_fleet_has_nothing_to_report():
    empty = {"generated": "now", "clusters": [], "clusters_with_drift": 0,
             "hardening": {"pipelines": {}, "warnings": []}}
    markdown = render("audit_report.md.j2", empty)
    assert markdown.endswith("|---|---|---|---|---|---|---|---|---|---|---|\n\n## Hardening\n\n- nothing to report\n")
    assert "<ul>\n<li>nothing to report</li>\n</ul>" in render("audit_report.html.j2", empty)

"""The README's enable_audit benchmark section, rendered from the results of benchmarks/enable_audit_fleet.py.

The section lies between two HTML comments in README.md (``BEGIN`` and ``END`` below); ``write`` replaces what is
between them with ``render(results)`` and nothing else, so a second write with the same results changes nothing.
``results`` is the dict the benchmark builds (see ``enable_audit_fleet.results_for_readme``):

    {"date": "2026-12-02", "machine": "Linux x86_64", "cores": 2, "options": "--clusters 1 50 200 ...",
     "delays": {"reboot": 3.0, "stream": 3.0}, "forks": 20,
     "runs": [{"clusters": 1, "run": "first", "wall": 29.9, "cpu": 15.6, "processes": 40, "task_hosts": 90,
               "reads": 72, "writes": 9, "changed": 12}, ...],
     "slices": {"slices": 4, "clusters": 200, "runs": [{"run": "first", ...same keys..., "failures": [...]}],
                "converged": True, "problems": []} or None,
     "ratios": [{"name": "...", "value": "2.1", "target": "<= 3", "result": "PASS"}, ...]}
"""

from __future__ import annotations

import textwrap
from pathlib import Path

BEGIN = "<!-- benchmark:enable_audit_fleet -->"
END = "<!-- /benchmark -->"
WIDTH = 115  # the README's prose lines


def _row(label: str, run: dict, clusters: int) -> str:
    per_cluster = clusters or 1
    return (f"| {label} | {'first' if run['run'] == 'first' else 're-run'} | {run['wall']:.1f} | {run['cpu']:.1f} "
            f"| {run['processes']} | {run['processes'] / per_cluster:.2f} | {run['task_hosts']} "
            f"| {run['reads'] / per_cluster:.1f} | {run['writes'] / per_cluster:.1f} | {run['changed']} |")


def render(results: dict) -> str:
    """The section's Markdown (without the markers), ending in a newline."""
    delays = results["delays"]
    prose = (
        "`benchmarks/enable_audit_fleet.py` prints, for enable_audit over emulated clusters (a first run, then the "
        "re-run over the converged fleet), wall time, controller CPU seconds (ansible-playbook and every process it "
        "ran), module processes (task results whose action runs a module; controller-side actions such as "
        "`set_fact` and `debug` are not counted) and task-host runs, and AWS reads and writes per cluster as the "
        "emulator counted them; the same for concurrent `--limit` slices of one inventory, as AWX job slicing runs "
        "them (wall time of the slowest slice, CPU of all). The sandbox pipeline, AWS's side of the fleet (activity "
        "stream records and heartbeats, the functions run on them), shares this machine's cores but not a "
        "controller's, so it is paused while each measured run goes on. This section is written by its "
        "`--write-readme`. "
        f"Measured {results['date']} on {results['machine']} ({results['cores']} cores), forks {results['forks']}, "
        f"emulated reboots {delays['reboot']:g} s and activity stream starts {delays['stream']:g} s, "
        f"`{results['options']}`:")
    lines = [
        textwrap.fill(prose, WIDTH, break_long_words=False, break_on_hyphens=False),
        "",
        "| clusters | run | wall s | controller CPU s | module processes | per cluster | task-host runs "
        "| AWS reads / cluster | AWS writes / cluster | changed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(str(run["clusters"]), run, run["clusters"]) for run in results["runs"]]
    slices = results.get("slices")
    if slices:
        label = f"{slices['slices']} slices of {slices['clusters']}"
        lines += [_row(label, run, slices["clusters"]) for run in slices["runs"]]
        lines.append("")
        if slices["converged"]:
            lines.append(f"The {slices['slices']} slices converged: every slice's re-run changed nothing and "
                         "audit_report over the whole inventory found no drift (activity streams started, "
                         "alerting attached).")
        else:
            lines.append(f"The {slices['slices']} slices did not converge:")
            lines.append("")
            lines += [f"- {problem}" for problem in slices["problems"]]
    lines += ["", "| ratio | measured | target | result |", "|---|---|---|---|"]
    lines += [f"| {r['name']} | {r['value']} | {r['target']} | {r['result']} |" for r in results["ratios"]]
    return "\n".join(lines) + "\n"


def replace_section(text: str, section: str) -> str:
    """``text`` with what lies between the markers replaced by ``section``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {BEGIN} ... {END} section")
    return text[:start + len(BEGIN)] + "\n" + section + text[end:]


def write(readme: Path, results: dict) -> bool:
    """Write the section into ``readme``; True when the file changed."""
    text = readme.read_text(encoding="utf-8")
    new = replace_section(text, render(results))
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text

"""Benchmark: enable_audit over 1 and over N emulated clusters, then the idempotent re-run; and N concurrent slices.

    python benchmarks/enable_audit_fleet.py [--clusters 1 50 200] [--slices 4] [--slice-clusters 200]
                                            [--reboot-delay 3] [--stream-delay 3] [--forks 20] [--write-readme]

For each fleet size, on a fresh sandbox of its own (``bench-fleet-<N>``, stopped at the end): the emulated
fleet of ``python -m sandbox fleet`` (clusters, their databases and application roles, half of them on a
custom parameter group that already preloads other libraries) and the sandbox inventory's policy; the
emulator's reboot and activity-stream transitions take ``--reboot-delay`` / ``--stream-delay`` seconds,
as AWS's take minutes. Prints per run: wall seconds, controller CPU seconds (ansible-playbook and every
module process it ran), AWS API calls per cluster split into reads and writes (the emulator counts them;
the sandbox pipeline's own calls are left out), module processes in all and per cluster, task-host runs,
and the ratios that the targets are about:

  - a re-run makes no write call;
  - waits of different clusters overlap instead of adding up: the N-cluster run takes far less than N
    times the 1-cluster run (its lower bound is set by controller CPU: about 0.8 CPU-second per module
    call here, on 2 cores);
  - the targets of issue 13, each printed with PASS or FAIL: re-run over 50 / re-run over 1 wall <= 3, over 200
    <= 6; re-run over 50 <= 30 controller CPU-seconds, 0 writes, no per-cluster module process (the re-run over N
    starts no more module processes than over 1) and <= 3 AWS reads per cluster; first run: module processes per
    changed cluster at most half of the figure before issue 13 (FIRST_RUN_BEFORE, --first-run-before); the slices
    converge.

The sandbox pipeline (``sandbox.pipeline``: activity-stream records and their heartbeats for every started stream,
the deployed functions run on them) is AWS's side of the fleet, work that AWS does on its own machines and that no
run of the collection waits for. On this machine it shares the controller's cores, and over 200 streams it takes a
good part of them (a heartbeat every 2 s per stream, each encrypted and decrypted, and a function run per batch), so
it is paused (SIGSTOP, then SIGCONT) while each measured ansible-playbook run goes on: the figures are the
collection's.

Module processes and task-host runs are counted from the run itself, by a callback plugin of the benchmark's
(benchmarks/callback_plugins/bench_task_counts.py, not part of the collection), which writes one line per task
result per host: a task-host run is any result (ok, changed, failed, skipped); a module process is a result that
was not skipped, or a retry (``until``), of a task whose action runs a module, one per loop item that ran. The
actions that run on the controller and start no module process are listed once, in CONTROLLER_ACTIONS (set_fact,
debug, group_by, assert, fail, include_*/import_*, meta, add_host, ...); every other action counts as one module
process (none of the playbooks' actions is an action plugin that runs several modules, as template and copy do).
A run_once task counts once, on the host that ran it.

Slices (``--slices N --slice-clusters M``, 0 slices to skip; on a sandbox of their own, ``bench-fleet-<M>-slices``):
N ansible-playbook runs at once over disjoint ``--limit`` slices of one inventory of M clusters, every N-th host
in each as AWX job slicing makes them, first run and re-run. The fleet's clusters are all on ``default.*``
parameter groups (each gets its own copy), since a custom group shared by clusters of two slices is refused by
preflight (README, job slicing). Printed: the wall time of the slowest slice, the CPU of all, AWS reads and writes,
every failure (host, task, error), and whether the slices converged: every slice's re-run ran with no failure and
changed nothing, and one audit_report over the whole inventory with ``dbaudit_fail_on_drift=true`` ends with rc 0
(every cluster's activity stream started, its alerting attached).

``--write-readme`` writes the table of this run, with the date, the machine, the options and the ratios, between
the markers of README.md's enable_audit benchmark section (benchmarks/enable_audit_readme.py).

audit_report has its own benchmark (benchmarks/audit_report_fleet.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))
sys.path.insert(0, str(CHECKOUT / "tests"))
sys.path.insert(0, str(CHECKOUT / "benchmarks"))

import enable_audit_readme  # noqa: E402
from harness import ansible_env  # noqa: E402

from sandbox import __main__ as sandbox_cli  # noqa: E402
from sandbox import fleet  # noqa: E402
from sandbox.emulator.call_counter import is_read  # noqa: E402
from sandbox.emulator_control import control  # noqa: E402

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"
CALLBACKS = CHECKOUT / "benchmarks" / "callback_plugins"
README = CHECKOUT / "README.md"

# Actions that run on the controller, in ansible-playbook's own process: a result of one of these is a task-host run
# but no module process. Names without their ansible.builtin. / ansible.legacy. prefix.
CONTROLLER_ACTIONS = frozenset({
    "add_host", "assert", "debug", "fail", "group_by", "import_playbook", "import_role", "import_tasks", "include",
    "include_role", "include_tasks", "include_vars", "meta", "pause", "set_fact", "set_stats",
    "validate_argument_spec",
})

# Module processes per changed cluster of a first run before issue 13 (--first-run-before to give another figure):
# the issue counted 16 per cluster for the re-run then, which ran every per-cluster task of a first run; a first run
# started at least as many (its waits retry), so half of 16 is the stricter reading of "at most half of today's".
FIRST_RUN_BEFORE = 16.0

# Targets of issue 13 by fleet size: re-run wall time against the 1-cluster re-run, and controller CPU-seconds.
WALL_RATIO_TARGETS = {50: 3, 200: 6}
CPU_TARGETS = {50: 30}
READS_PER_CLUSTER_TARGET, READS_TARGET_FROM = 3, 50


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def runs_module(action: str) -> bool:
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        action = action.removeprefix(prefix)
    return action not in CONTROLLER_ACTIONS


def count(records: list[dict]) -> dict:
    """Module processes (in all and per host), task-host runs, changes and failures from the callback's lines."""
    processes, by_host, by_task, task_hosts, recap, failures = 0, {}, {}, 0, {}, []
    for record in records:
        if "recap" in record:
            recap.update(record["recap"])
            continue
        if record["status"] != "retry":
            task_hosts += 1
        if record["status"] in ("failed", "unreachable"):
            failures.append(f"{record['host']}: task '{record['task']}' ({record['action']}): {record.get('error')}")
        if record["status"] in ("skipped", "unreachable") or not runs_module(record["action"]):
            continue
        ran = record.get("items", 1)
        processes += ran
        by_host[record["host"]] = by_host.get(record["host"], 0) + ran
        task = f"{record['action']}: {record['task']}"
        by_task[task] = by_task.get(task, 0) + ran
    return {"processes": processes, "processes_by_host": by_host, "processes_by_task": by_task,
            "task_hosts": task_hosts,
            "changed": sum(stats.get("changed", 0) for stats in recap.values()),
            "changed_hosts": sorted(host for host, stats in recap.items() if stats.get("changed")),
            "failures": failures}


def playbook(env: dict, inventory: Path, path: Path, forks: int, extra: list[str], counts_file: Path) -> dict:
    """One ansible-playbook run: its outcome, wall seconds and counts (no CPU or AWS figures: runs may overlap)."""
    counts_file.unlink(missing_ok=True)
    start = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(path), "-f", str(forks),
         *extra],
        env=ansible_env(env, {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                              "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
                              "ANSIBLE_CALLBACKS_ENABLED": "bench_task_counts",
                              "DBAUDIT_BENCH_COUNTS": str(counts_file)}),
        cwd=CHECKOUT, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    records = [json.loads(line) for line in counts_file.read_text(encoding="utf-8").splitlines()] \
        if counts_file.exists() else []
    result = {"wall": wall, "rc": done.returncode, **count(records)}
    if done.returncode != 0 and not result["failures"]:
        result["failures"] = [f"rc {done.returncode}: {(done.stderr or done.stdout)[-1500:]}"]
    result["output"] = done.stdout[-4000:] + "\n" + done.stderr[-2000:]
    return result


@contextlib.contextmanager
def pipeline_paused(env: dict):
    """The sandbox pipeline (AWS's side: records, heartbeats, function runs) stopped while a measured run goes on."""
    pid = (env.get("pipeline") or {}).get("pid")
    if pid:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        if pid:
            os.kill(pid, signal.SIGCONT)


def run(env: dict, inventory: Path, forks: int, tmp: Path) -> dict:
    endpoint = env["aws"]["endpoint_url"]
    control(endpoint, {"reset_stats": True})
    cpu = children_cpu()
    with pipeline_paused(env):
        result = playbook(env, inventory, PLAYBOOK, forks, [], tmp / "counts.jsonl")
    cpu = children_cpu() - cpu
    stats = control(endpoint)["stats"]
    if result["rc"] != 0:
        sys.exit(f"enable_audit failed (rc {result['rc']}):\n" + "\n".join(result["failures"][:10]) +
                 f"\n{result.pop('output')}")
    result.pop("output")
    return {**result, "cpu": cpu, "reads": stats["reads"], "writes": stats["writes"],
            "operations": stats["operations"]}


def measure(size: int, args) -> dict:
    name = f"bench-fleet-{size}"
    env = sandbox_cli.up(name)
    try:
        control(env["aws"]["endpoint_url"], {"delays": {"reboot": args.reboot_delay,
                                                        "activity_stream": args.stream_delay}})
        with tempfile.TemporaryDirectory(prefix="dbaudit-bench-") as tmp:
            inventory = Path(tmp) / "inventory"
            shutil.copytree(CHECKOUT / "inventories" / "sandbox" / "group_vars", inventory / "group_vars")
            fleet.ensure(env, size, inventory / "fleet.yml")
            first = run(env, inventory, args.forks, Path(tmp))
            again = run(env, inventory, args.forks, Path(tmp))
    finally:
        sandbox_cli.down(name, quiet=True)
    return {"first": first, "again": again}


def slice_hosts(hosts: list[str], slices: int) -> list[list[str]]:
    """AWX job slicing: slice k (from 1) holds every slices-th host from the k-th."""
    return [hosts[k::slices] for k in range(slices)]


def run_slices(env: dict, inventory: Path, forks: int, parts: list[list[str]], tmp: Path, label: str) -> dict:
    """The slices at once: wall time of the slowest, CPU of all, AWS calls of all, counts summed."""
    endpoint = env["aws"]["endpoint_url"]
    control(endpoint, {"reset_stats": True})
    cpu = children_cpu()
    with pipeline_paused(env), ThreadPoolExecutor(max_workers=len(parts)) as pool:
        runs = list(pool.map(lambda k: playbook(env, inventory, PLAYBOOK, forks, ["--limit", ",".join(parts[k])],
                                                tmp / f"counts-{label}-{k + 1}.jsonl"), range(len(parts))))
    cpu = children_cpu() - cpu
    stats = control(endpoint)["stats"]
    failures = [f"slice {k + 1}: {failure}" for k, r in enumerate(runs) for failure in r["failures"]]
    return {"run": label, "wall": max(r["wall"] for r in runs), "cpu": cpu, "reads": stats["reads"],
            "writes": stats["writes"], "operations": stats["operations"],
            "processes": sum(r["processes"] for r in runs), "task_hosts": sum(r["task_hosts"] for r in runs),
            "changed": sum(r["changed"] for r in runs), "slice_walls": [r["wall"] for r in runs],
            "slice_rcs": [r["rc"] for r in runs], "slice_changed": [r["changed"] for r in runs],
            "failures": failures}


def measure_slices(args) -> dict:
    """N concurrent --limit slices of one inventory of M clusters (on default groups), first run and re-run, then
    one audit_report over the whole inventory: did the slices converge?"""
    name = f"bench-fleet-{args.slice_clusters}-slices"
    env = sandbox_cli.up(name)
    try:
        control(env["aws"]["endpoint_url"], {"delays": {"reboot": args.reboot_delay,
                                                        "activity_stream": args.stream_delay}})
        with tempfile.TemporaryDirectory(prefix="dbaudit-bench-") as tmp:
            inventory = Path(tmp) / "inventory"
            shutil.copytree(CHECKOUT / "inventories" / "sandbox" / "group_vars", inventory / "group_vars")
            clusters = fleet.ensure_clusters(env, fleet.cluster_ids(args.slice_clusters))
            fleet.ensure_inbox(env)
            fleet.write_inventory(env, clusters, inventory / "fleet.yml")
            parts = slice_hosts(clusters, args.slices)
            first = run_slices(env, inventory, args.forks, parts, Path(tmp), "first")
            again = run_slices(env, inventory, args.forks, parts, Path(tmp), "again")
            report = playbook(env, inventory, REPORT, args.forks,
                              ["-e", f"dbaudit_report_dir={tmp}/report", "-e", "dbaudit_fail_on_drift=true"],
                              Path(tmp) / "counts-report.jsonl")
            drift = report_drift(Path(tmp) / "report" / "audit_report.json")
    finally:
        sandbox_cli.down(name, quiet=True)
    problems = [f"first run: {failure}" for failure in first["failures"]]
    problems += [f"re-run: {failure}" for failure in again["failures"]]
    problems += [f"re-run of slice {k + 1} changed {n}" for k, n in enumerate(again["slice_changed"]) if n]
    if report["rc"] != 0:
        problems.append(f"audit_report with dbaudit_fail_on_drift=true: rc {report['rc']}; "
                        + ("; ".join(drift[:10]) or "; ".join(report["failures"][:3])))
    converged = not again["failures"] and not any(again["slice_changed"]) and report["rc"] == 0
    return {"slices": args.slices, "clusters": args.slice_clusters, "runs": [first, again], "converged": converged,
            "problems": problems}


def report_drift(path: Path) -> list[str]:
    """One line per drifting cluster of an audit_report.json: the cluster and its first differences."""
    if not path.exists():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))["clusters"]
    return [f"{row['host']}: {'; '.join(row['drift'][:3])}" for row in rows if row["drift"]]


def verdict(passed: bool | None) -> str:
    return "-" if passed is None else ("PASS" if passed else "FAIL")


def ratios(results: dict, slices: dict | None, before: float = FIRST_RUN_BEFORE) -> list[dict]:
    """The figures the targets of issue 13 name, each with its target and PASS, FAIL or - (no target at this size)."""
    out = []
    sizes = sorted(results)
    small = sizes[0]
    base = results[small]["again"]
    for size in sizes[1:]:
        again, first = results[size]["again"], results[size]["first"]
        wall_target = WALL_RATIO_TARGETS.get(size) if small == 1 else None
        ratio = again["wall"] / base["wall"]
        out.append({"name": f"re-run wall, {size} clusters / {small}", "value": f"{ratio:.2f}",
                    "target": f"<= {wall_target}" if wall_target else "-",
                    "result": verdict(ratio <= wall_target if wall_target else None)})
        cpu_target = CPU_TARGETS.get(size)
        out.append({"name": f"re-run controller CPU s, {size} clusters", "value": f"{again['cpu']:.1f}",
                    "target": f"<= {cpu_target}" if cpu_target else "-",
                    "result": verdict(again["cpu"] <= cpu_target if cpu_target else None)})
        out.append({"name": f"re-run AWS writes, {size} clusters", "value": str(again["writes"]), "target": "0",
                    "result": verdict(again["writes"] == 0)})
        out.append({"name": f"re-run module processes per cluster, {size} clusters",
                    "value": f"{again['processes'] / size:.2f} ({again['processes']} in all)",
                    "target": f"none per cluster: <= the {base['processes']} of {small}",
                    "result": verdict(again["processes"] <= base["processes"])})
        reads_target = size >= READS_TARGET_FROM
        out.append({"name": f"re-run AWS reads per cluster, {size} clusters", "value": f"{again['reads'] / size:.2f}",
                    "target": f"<= {READS_PER_CLUSTER_TARGET}" if reads_target else "-",
                    "result": verdict(again["reads"] / size <= READS_PER_CLUSTER_TARGET if reads_target else None)})
        changed = len(first["changed_hosts"])
        per_changed = first["processes"] / changed if changed else float("nan")
        out.append({"name": f"first run module processes per changed cluster, {size} clusters",
                    "value": f"{per_changed:.1f} ({first['processes']} for {changed})",
                    "target": f"<= {before / 2:g} (half of {before:g} before issue 13)",
                    "result": verdict(per_changed <= before / 2 if changed else None)})
    if slices:
        out.append({"name": f"{slices['slices']} slices of {slices['clusters']} converge", "value":
                    "yes" if slices["converged"] else "no", "target": "yes", "result": verdict(slices["converged"])})
    return out


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    return f"{platform.system()} {platform.machine()}" + (f", {model}" if model else "")


def results_for_readme(args, results: dict, slices: dict | None, figures: list[dict]) -> dict:
    keys = ("run", "wall", "cpu", "processes", "task_hosts", "reads", "writes", "changed")
    runs = [{**{key: results[size][label][key] for key in keys[1:]}, "clusters": size, "run": label}
            for size in results for label in ("first", "again")]
    options = (f"--clusters {' '.join(map(str, args.clusters))} --slices {args.slices} "
               + (f"--slice-clusters {args.slice_clusters} " if args.slices else "")
               + f"--reboot-delay {args.reboot_delay:g} "
               f"--stream-delay {args.stream_delay:g} --forks {args.forks} "
               f"--first-run-before {args.first_run_before:g}")
    return {"date": datetime.date.today().isoformat(), "machine": machine(), "cores": os.cpu_count(),
            "options": options, "delays": {"reboot": args.reboot_delay, "stream": args.stream_delay},
            "forks": args.forks, "runs": runs,
            "slices": slices and {**{key: slices[key] for key in ("slices", "clusters", "converged", "problems")},
                                  "runs": [{key: run[key] for key in keys} for run in slices["runs"]]},
            "ratios": figures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clusters", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--slices", type=int, default=4, help="concurrent --limit slices (0: none)")
    parser.add_argument("--slice-clusters", type=int, default=200, help="clusters of the sliced inventory")
    parser.add_argument("--reboot-delay", type=float, default=3.0)
    parser.add_argument("--stream-delay", type=float, default=3.0)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--first-run-before", type=float, default=FIRST_RUN_BEFORE,
                        help="module processes per changed cluster of a first run before issue 13")
    parser.add_argument("--tasks", type=int, default=0, metavar="N",
                        help="also print the N tasks that started the most module processes, per run")
    parser.add_argument("--write-readme", action="store_true",
                        help="write this run's table into the README's enable_audit benchmark section")
    parser.add_argument("--readme", type=Path, default=README, help="the README --write-readme writes to")
    args = parser.parse_args()

    results = {}
    for size in args.clusters:
        print(f"enable_audit over {size} cluster(s)...", flush=True)
        results[size] = measure(size, args)
    slices = None
    if args.slices:
        print(f"enable_audit in {args.slices} concurrent slices of {args.slice_clusters} cluster(s)...", flush=True)
        slices = measure_slices(args)

    print(f"\nemulated delays: reboot {args.reboot_delay:g} s, activity stream start {args.stream_delay:g} s; "
          f"forks {args.forks}")
    print(f"{'clusters':>8} {'run':<8} {'wall s':>8} {'CPU s':>8} {'reads/cl':>9} {'writes/cl':>9} {'changed':>8} "
          f"{'modules':>8} {'mod/cl':>7} {'task-host':>9}")
    rows = [(str(size), label, result[label], size) for size, result in results.items() for label in ("first", "again")]
    if slices:
        rows += [(f"{slices['slices']}x{slices['clusters'] // slices['slices']}", r["run"], r, slices["clusters"])
                 for r in slices["runs"]]
    for label_size, label, r, size in rows:
        print(f"{label_size:>8} {label:<8} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['reads'] / size:>9.1f} "
              f"{r['writes'] / size:>9.1f} {r['changed']:>8} {r['processes']:>8} {r['processes'] / size:>7.2f} "
              f"{r['task_hosts']:>9}")
    for size, result in results.items():
        writes = {op: n for op, n in result["again"]["operations"].items() if not is_read(op)}
        print(f"re-run over {size}: {result['again']['writes']} write calls {writes or ''}")
    for size, result in results.items():
        reads = {op: n for op, n in result["again"]["operations"].items() if is_read(op)}
        print(f"re-run over {size}: {result['again']['reads']} read calls {reads}")
    for size, result in results.items():
        busy = sorted(result["again"]["processes_by_host"].items(), key=lambda item: -item[1])
        print(f"re-run over {size}: module processes by host {dict(busy[:5])}"
              + (f" and {len(busy) - 5} more hosts" if len(busy) > 5 else ""))
        if args.tasks:
            for label in ("first", "again"):
                tasks = sorted(result[label]["processes_by_task"].items(), key=lambda item: -item[1])
                print(f"{'re-run' if label == 'again' else 'first run'} over {size}: module processes by task")
                for task, n in tasks[:args.tasks]:
                    print(f"  {n:>5}  {task}")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = results[large]["first"]["wall"] / results[small]["first"]["wall"]
        print(f"first run, {large} clusters vs {small}: {ratio:.1f}x the wall time for {large / small:.0f}x the "
              f"clusters (waits adding up would give about {large / small:.0f}x); CPU per cluster "
              f"{results[small]['first']['cpu'] / small:.1f} s vs {results[large]['first']['cpu'] / large:.1f} s")
    if slices:
        for r in slices["runs"]:
            print(f"slices, {r['run']}: wall per slice {' '.join(f'{w:.1f}' for w in r['slice_walls'])} s, "
                  f"rc {r['slice_rcs']}, changed {r['slice_changed']}")
        print(f"slices converged: {'yes' if slices['converged'] else 'no'}")
        for problem in slices["problems"]:
            print(f"  {problem}")
    figures = ratios(results, slices, args.first_run_before)
    print("\ntargets (issue 13):")
    for r in figures:
        print(f"  {r['result']:<4} {r['name']}: {r['value']} (target {r['target']})")
    if args.write_readme:
        changed = enable_audit_readme.write(args.readme, results_for_readme(args, results, slices, figures))
        print(f"\n{args.readme}: {'section written' if changed else 'section unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

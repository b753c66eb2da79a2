"""Benchmark: audit_report over 1 and over N emulated clusters (prints figures; not a test).

    python benchmarks/audit_report_fleet.py [--clusters 1 50] [--forks 20] [--no-converge]

For each fleet size, on a fresh sandbox of its own (``bench-report-<N>``, stopped at the end): the emulated
fleet of ``python -m sandbox fleet`` with the sandbox inventory's policy, converged first by enable_audit
(not timed; ``--no-converge`` reports on the fleet as created, every cluster drifting). Then audit_report
runs twice and the second run is the one printed (the first warms the controller's caches): wall seconds,
controller CPU seconds (ansible-playbook and every module process it ran), AWS API calls per cluster as the
emulator counted them (reads and writes; the sandbox pipeline's own calls are left out), and the wall-time
ratio of the largest fleet to the smallest (target: 50 clusters <= 3x the time of 1: the AWS side is read
in bulk by one rds_fleet_audit_info call, the databases by one pgaudit_fleet_info call, and the policy of
every cluster is one task per role, so no task runs once per cluster).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))
sys.path.insert(0, str(CHECKOUT / "tests"))

from harness import ansible_env  # noqa: E402

from sandbox import __main__ as sandbox_cli  # noqa: E402
from sandbox import fleet  # noqa: E402
from sandbox.emulator_control import control  # noqa: E402

ENABLE = CHECKOUT / "playbooks" / "enable_audit.yml"
REPORT = CHECKOUT / "playbooks" / "audit_report.yml"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def playbook(env: dict, inventory: Path, path: Path, forks: int, extra: list[str], required: bool = True) -> dict:
    endpoint = env["aws"]["endpoint_url"]
    control(endpoint, {"reset_stats": True})
    cpu, start = children_cpu(), time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(path), "-f", str(forks),
         *extra],
        env=ansible_env(env, {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"}), cwd=CHECKOUT,
        capture_output=True, text=True, check=False)
    wall, cpu = time.monotonic() - start, children_cpu() - cpu
    if done.returncode != 0 and not required:
        fatal = [line for line in done.stdout.splitlines() if line.startswith("fatal:")]
        print(f"  {path.name} failed (rc {done.returncode}); the report reads the fleet as it is: {fatal[:3]}",
              flush=True)
    elif done.returncode != 0:
        sys.exit(f"{path.name} failed (rc {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    stats = control(endpoint)["stats"]
    return {"wall": wall, "cpu": cpu, "reads": stats["reads"], "writes": stats["writes"],
            "operations": stats["operations"]}


def measure(size: int, args) -> dict:
    name = f"bench-report-{size}"
    env = sandbox_cli.up(name)
    try:
        with tempfile.TemporaryDirectory(prefix="dbaudit-bench-") as tmp:
            inventory = Path(tmp) / "inventory"
            shutil.copytree(CHECKOUT / "inventories" / "sandbox" / "group_vars", inventory / "group_vars")
            fleet.ensure(env, size, inventory / "fleet.yml")
            if args.converge:
                playbook(env, inventory, ENABLE, args.forks, [], required=False)
            report = ["-e", f"dbaudit_report_dir={tmp}/report", "-e", "dbaudit_fail_on_drift=false"]
            playbook(env, inventory, REPORT, args.forks, report)
            return playbook(env, inventory, REPORT, args.forks, report)
    finally:
        sandbox_cli.down(name, quiet=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clusters", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--no-converge", dest="converge", action="store_false")
    args = parser.parse_args()

    results = {}
    for size in args.clusters:
        print(f"audit_report over {size} cluster(s)...", flush=True)
        results[size] = measure(size, args)

    print(f"\nforks {args.forks}; fleet {'converged by enable_audit' if args.converge else 'as created'}")
    print(f"{'clusters':>8} {'wall s':>8} {'CPU s':>8} {'reads':>7} {'reads/cl':>9} {'writes':>7}")
    for size, r in results.items():
        print(f"{size:>8} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['reads']:>7} {r['reads'] / size:>9.2f} "
              f"{r['writes']:>7}")
    for size, r in results.items():
        print(f"calls over {size}: {dict(sorted(r['operations'].items()))}")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = results[large]["wall"] / results[small]["wall"]
        print(f"{large} clusters vs {small}: {ratio:.2f}x the wall time (target <= 3x) for {large / small:.0f}x the "
              f"clusters; CPU per cluster {results[small]['cpu'] / small:.2f} s vs "
              f"{results[large]['cpu'] / large:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: enable_audit over 1 and over N emulated clusters, then the idempotent re-run.

    python benchmarks/enable_audit_fleet.py [--clusters 1 50] [--reboot-delay 3] [--stream-delay 3]
                                            [--forks 20]

For each fleet size, on a fresh sandbox of its own (``bench-fleet-<N>``, stopped at the end): the emulated
fleet of ``python -m sandbox fleet`` (clusters, their databases and application roles, half of them on a
custom parameter group that already preloads other libraries) and the sandbox inventory's policy; the
emulator's reboot and activity-stream transitions take ``--reboot-delay`` / ``--stream-delay`` seconds,
as AWS's take minutes. Prints per run: wall seconds, controller CPU seconds (ansible-playbook and every
module process it ran), AWS API calls per cluster split into reads and writes (the emulator counts them;
the sandbox pipeline's own calls are left out), and the ratios that the targets are about:

  - a re-run makes no write call;
  - waits of different clusters overlap instead of adding up: the N-cluster run takes far less than N
    times the 1-cluster run (its lower bound is set by controller CPU: about 0.8 CPU-second per module
    call here, on 2 cores).

audit_report has its own benchmark (benchmarks/audit_report_fleet.py).
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
from sandbox.emulator.call_counter import is_read  # noqa: E402
from sandbox.emulator_control import control  # noqa: E402

PLAYBOOK = CHECKOUT / "playbooks" / "enable_audit.yml"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(env: dict, inventory: Path, forks: int) -> dict:
    endpoint = env["aws"]["endpoint_url"]
    control(endpoint, {"reset_stats": True})
    cpu, start = children_cpu(), time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOK), "-f", str(forks)],
        env=ansible_env(env, {"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"}), cwd=CHECKOUT,
        capture_output=True, text=True, check=False)
    wall, cpu = time.monotonic() - start, children_cpu() - cpu
    stats = control(endpoint)["stats"]
    recap = done.stdout[done.stdout.rfind("PLAY RECAP"):]
    if done.returncode != 0:
        sys.exit(f"enable_audit failed (rc {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    changed = sum(int(part.split("=")[1]) for part in recap.split() if part.startswith("changed="))
    return {"wall": wall, "cpu": cpu, "reads": stats["reads"], "writes": stats["writes"], "changed": changed,
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
            first = run(env, inventory, args.forks)
            again = run(env, inventory, args.forks)
    finally:
        sandbox_cli.down(name, quiet=True)
    return {"first": first, "again": again}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clusters", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--reboot-delay", type=float, default=3.0)
    parser.add_argument("--stream-delay", type=float, default=3.0)
    parser.add_argument("--forks", type=int, default=20)
    args = parser.parse_args()

    results = {}
    for size in args.clusters:
        print(f"enable_audit over {size} cluster(s)...", flush=True)
        results[size] = measure(size, args)

    print(f"\nemulated delays: reboot {args.reboot_delay:g} s, activity stream start {args.stream_delay:g} s; "
          f"forks {args.forks}")
    print(f"{'clusters':>8} {'run':<8} {'wall s':>8} {'CPU s':>8} {'reads/cl':>9} {'writes/cl':>9} {'changed':>8}")
    for size, result in results.items():
        for label in ("first", "again"):
            r = result[label]
            print(f"{size:>8} {label:<8} {r['wall']:>8.1f} {r['cpu']:>8.1f} {r['reads'] / size:>9.1f} "
                  f"{r['writes'] / size:>9.1f} {r['changed']:>8}")
    for size, result in results.items():
        writes = {op: n for op, n in result["again"]["operations"].items() if not is_read(op)}
        print(f"re-run over {size}: {result['again']['writes']} write calls {writes or ''}")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = results[large]["first"]["wall"] / results[small]["first"]["wall"]
        print(f"first run, {large} clusters vs {small}: {ratio:.1f}x the wall time for {large / small:.0f}x the "
              f"clusters (waits adding up would give about {large / small:.0f}x); CPU per cluster "
              f"{results[small]['first']['cpu'] / small:.1f} s vs {results[large]['first']['cpu'] / large:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

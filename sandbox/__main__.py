"""``python -m sandbox up|down|status [--name NAME]``: the local sandbox.

``up`` starts a PostgreSQL 15 server with pgAudit and the AWS emulator on free loopback ports
and writes ``.sandbox/<name>/env.json`` and ``env.sh``; it is a no-op when both are healthy and
cleans up after a crash otherwise. ``down`` stops only the processes ``up`` recorded.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import emulator_process, fleet, postgres, processes, state


PIPELINE = "sandbox.pipeline"


def _healthy(env: dict) -> bool:
    pg, aws, pipeline = env.get("postgres") or {}, env.get("aws") or {}, env.get("pipeline") or {}
    return (state.pid_alive(pg.get("pid")) and state.port_open(pg.get("port", 0))
            and state.pid_alive(aws.get("pid")) and state.port_open(aws.get("port", 0))
            and state.pid_alive(pipeline.get("pid")))


def up(name: str) -> dict:
    previous = state.read_json(state.env_file(name))
    if previous and _healthy(previous):
        return previous
    if previous:
        # Whatever is left of a crashed or half-stopped sandbox goes first.
        down(name, quiet=True)
    state.state_dir(name).mkdir(parents=True, exist_ok=True)
    aws = emulator_process.start(name)
    try:
        pg = postgres.start(name, previous.get("postgres"))
    except Exception:
        emulator_process.stop(aws["pid"])
        raise
    env = {"name": name, "state_dir": str(state.state_dir(name)), "postgres": pg, "aws": aws}
    state.publish(env)
    pipeline = processes.spawn(PIPELINE, ["--env", str(state.env_file(name))],
                               state.state_dir(name) / "pipeline" / "pipeline.log")
    env["pipeline"] = {"pid": pipeline.pid, "log_file": str(state.state_dir(name) / "pipeline" / "pipeline.log")}
    state.publish(env)
    return env


def down(name: str, quiet: bool = False) -> dict:
    env = state.read_json(state.env_file(name))
    stopped = {
        "postgres": postgres.stop(name, (env.get("postgres") or {}).get("pid")),
        "emulator": emulator_process.stop((env.get("aws") or {}).get("pid")),
        "pipeline": processes.stop((env.get("pipeline") or {}).get("pid"), PIPELINE),
    }
    for key in ("postgres", "aws", "pipeline"):
        if key in env:
            env[key]["pid"] = None
    if env:
        state.publish(env)
    return stopped


def status(name: str) -> dict:
    env = state.read_json(state.env_file(name))
    if not env:
        return {"name": name, "running": False}
    return {
        "name": name,
        "running": _healthy(env),
        "postgres": f"127.0.0.1:{env['postgres']['port']} pid {env['postgres'].get('pid')}",
        "emulator": env["aws"]["endpoint_url"] + f" pid {env['aws'].get('pid')}",
        "pipeline": f"pid {(env.get('pipeline') or {}).get('pid')}",
        "env_file": str(state.env_file(name)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "down", "status", "env", "fleet"])
    parser.add_argument("--name", default=state.DEFAULT_NAME, help="run several sandboxes side by side")
    parser.add_argument("--clusters", type=int, default=3, help="fleet: how many emulated clusters")
    parser.add_argument("--engine-versions", default=fleet.ENGINE_VERSION,
                        help="fleet: Aurora PostgreSQL versions taken in turn by the clusters, e.g. 13.12,16.2,17.4")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            env = up(args.name)
            print(f"sandbox {args.name!r} up: PostgreSQL 127.0.0.1:{env['postgres']['port']}, "
                  f"AWS emulator {env['aws']['endpoint_url']}")
            print(f"env: {state.env_file(args.name)}  (shell: . {state.state_dir(args.name) / 'env.sh'})")
        elif args.command == "down":
            stopped = down(args.name)
            summary = ", ".join(f"{k} {'stopped' if v else 'not running'}" for k, v in stopped.items())
            print(f"sandbox {args.name!r} down: {summary}")
        elif args.command == "fleet":
            env = up(args.name)
            versions = tuple(v.strip() for v in args.engine_versions.split(",") if v.strip())
            clusters = fleet.ensure(env, args.clusters, engine_versions=versions)
            print(f"fleet: {len(clusters)} emulated Aurora PostgreSQL {', '.join(versions)} clusters "
                  f"({clusters[0]} .. {clusters[-1]}); "
                  f"inventory {fleet.INVENTORY.relative_to(state.CHECKOUT)}")
        elif args.command == "env":
            print(state.env_file(args.name))
        else:
            result = status(args.name)
            print(json.dumps(result, indent=2))
            return 0 if result["running"] else 3
    except (RuntimeError, ValueError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the sandbox pipeline for one sandbox: ``python -m sandbox.pipeline --env .sandbox/NAME/env.json``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import traceback
from pathlib import Path

from . import stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.pipeline")
    parser.add_argument("--env", required=True, help="the sandbox's env.json")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    args = parser.parse_args(argv)
    env = json.loads(Path(args.env).read_text(encoding="utf-8"))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    pipeline = stages.Pipeline(env)
    print(f"pipeline running for sandbox {env['name']!r}: {', '.join(pipeline.stage_names())}", flush=True)
    while not stop.is_set():
        try:
            summary = pipeline.poll()
            if any(summary.values()):
                print(json.dumps(summary), flush=True)
        except Exception:  # noqa: BLE001 - a poll that fails is logged and retried, never fatal
            traceback.print_exc()
            sys.stdout.flush()
        stop.wait(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())

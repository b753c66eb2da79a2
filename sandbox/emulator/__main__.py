"""Run the extended moto server on loopback: ``python -m sandbox.emulator --port N``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from . import extensions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the emulator listens on loopback only")

    # Lambda functions are created and described, never run in Docker here.
    default_user_config["lambda"]["use_docker"] = False
    installed = extensions.install()

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    print(f"emulator listening on {args.host}:{args.port}; extensions: {', '.join(installed) or 'none'}",
          flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

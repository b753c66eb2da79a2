"""The list of emulator extensions, applied in order before the server serves a request."""

from __future__ import annotations

import importlib

# Each entry is a module of this package with an ``install()`` function.
EXTENSIONS: list[str] = []


def install() -> list[str]:
    installed = []
    for name in EXTENSIONS:
        module = importlib.import_module(f"{__package__}.{name}")
        module.install()
        installed.append(name)
    return installed

"""What the tests of the Lambda zip builder share: lambdas/build_zips.py loaded as a module, and a minimal wheel
to build from offline."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import sys
import zipfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent

if "build_lambdas" in sys.modules:
    build_lambdas = sys.modules["build_lambdas"]
else:
    _spec = importlib.util.spec_from_file_location("build_lambdas", CHECKOUT / "lambdas" / "build_zips.py")
    build_lambdas = importlib.util.module_from_spec(_spec)
    sys.modules["build_lambdas"] = build_lambdas  # dataclasses look their module up there
    _spec.loader.exec_module(build_lambdas)


def write_wheel(directory: Path, name: str, version: str = "1.0") -> Path:
    """A minimal pure-Python wheel (``py3-none-any``) with one module."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record_lines = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record_lines.append(f"{path},sha256={digest},{len(data)}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel

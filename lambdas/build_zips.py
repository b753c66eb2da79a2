"""Build the Lambda deployment zips the collection ships:
``roles/alerting_common/files/lambda/<function>-<runtime>-<arch>.zip``.

    python lambdas/build_zips.py [--function das_decrypt] [--arch x86_64|arm64 ...] [--runtime python3.12]
                                    [--wheel-dir DIR] [--out DIR]

They are built once, before ``ansible-galaxy collection build`` (``make build``; ``scripts/bootstrap.sh`` for
a checkout), and shipped in the tarball: the alerting roles deploy them as they are and never build at run time.

Each zip holds the function's package (``lambdas/<function>/``, handler ``<function>.handler.handler``),
the shared ``dbaudit_alerts`` package (``lambdas/common/``) and the function's pinned runtime
dependencies (``lambdas/<function>/requirements.txt``).

Dependencies are binary wheels for the *target* (``pip download --platform manylinux..._<arch>
--python-version 3.12 --implementation cp --only-binary=:all:``), never the build machine's, so
cryptography's compiled parts match Lambda. Wheels are downloaded once into
``.cache/lambda-wheels/<runtime>-<arch>/`` (skipped when every pinned wheel is already there, so a rebuild
needs no network) and installed from there with ``--no-index``; give ``--wheel-dir`` to build from wheels you
already have, without the network. They are installed
with ``--no-deps`` from a fully pinned list: boto3 and botocore (which aws-encryption-sdk
declares) are left out because the Lambda runtime provides them, and a dependency the list does
not name cannot slip in. The build fails if one of the runtime-provided packages appears anyway.

Zips are deterministic: entries sorted, every timestamp 1980-01-01 00:00:00, every file mode
0644, no directories entries, no ``__pycache__``/``.pyc``, fixed compression level. The same
inputs (sources, wheels, Python's zlib) give the same bytes, so the printed CodeSha256 (base64
SHA-256, what Lambda reports) is unchanged when nothing changed and a redeploy is a no-op.
``manifest.json`` beside the zips records each zip's CodeSha256 (base64) and SHA-256 (hex), and
``SHA256SUMS`` the same digests in ``sha256sum -c`` form.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
LAMBDAS = CHECKOUT / "lambdas"
# Where the roles look for the zips (roles/alerting_common/tasks/function.yml): a role's own files travel with it
# into the tarball and resolve from role_path wherever the collection is installed.
SHIPPED_ZIPS = CHECKOUT / "roles" / "alerting_common" / "files" / "lambda"
SHARED_ROOT = LAMBDAS / "common"
SHARED_PACKAGES = ("dbaudit_alerts",)
FUNCTIONS = ("das_decrypt", "audit_alert")
RUNTIMES = {"python3.12": "3.12"}
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}
# glibc levels the python3.12 runtime (Amazon Linux 2023, glibc 2.34) can load, best first.
MANYLINUX_LEVELS = ("manylinux_2_34", "manylinux_2_28", "manylinux2014")
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python_dateutil", "six"})
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
SKIPPED_PARTS = frozenset({"__pycache__", "tests"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")
SKIPPED_NAMES = frozenset({"requirements.txt"})


@dataclass(frozen=True)
class BuildResult:
    function: str
    path: Path
    code_sha256: str  # base64, as Lambda's CodeSha256
    sha256_hex: str
    size: int
    entries: int


def platform_tags(arch: str) -> list[str]:
    machine = ARCHITECTURES[arch]
    return [f"{level}_{machine}" for level in MANYLINUX_LEVELS]


def _pip_target_options(runtime: str, arch: str) -> list[str]:
    options = ["--only-binary=:all:", "--python-version", RUNTIMES[runtime], "--implementation", "cp", "--no-deps"]
    for tag in platform_tags(arch):
        options += ["--platform", tag]
    return options


def _run(command: list[str]) -> None:
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(command)}\n{proc.stderr[-3000:]}")


def _wheel_name(name: str) -> str:
    """A distribution name as wheel file names spell it (PEP 427: runs of -_. become _)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def pinned_wheels_present(requirements: Path, wheel_dir: Path) -> bool:
    """Every requirement is pinned (``name==version``) and a wheel of that version is in ``wheel_dir``."""
    have = {"-".join(_wheel_name(part) for part in path.name.split("-")[:2]) for path in wheel_dir.glob("*.whl")}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, pinned, version = line.partition("==")
        if not pinned or f"{_wheel_name(name.strip())}-{_wheel_name(version.strip())}" not in have:
            return False
    return True


def download_wheels(requirements: Path, runtime: str, arch: str, wheel_dir: Path, cache_dir: Path) -> None:
    """Fetch the target's binary wheels into ``wheel_dir`` (pip's HTTP cache under ``cache_dir``), unless every
    pinned wheel is there already."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    if pinned_wheels_present(requirements, wheel_dir):
        return
    _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--cache-dir",
          str(cache_dir), "--dest", str(wheel_dir), "-r", str(requirements), *_pip_target_options(runtime, arch)])


def install_wheels(requirements: Path, runtime: str, arch: str, wheel_dir: Path, target: Path) -> None:
    """Install the pinned requirements from ``wheel_dir`` only (no index) into ``target``."""
    _run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-index",
          "--find-links", str(wheel_dir), "--target", str(target), "--no-compile", "-r", str(requirements),
          *_pip_target_options(runtime, arch)])
    provided = sorted(path.name.split("-")[0].lower() for path in target.glob("*.dist-info")
                      if path.name.split("-")[0].lower() in RUNTIME_PROVIDED)
    if provided:
        raise SystemExit(f"{requirements}: {', '.join(provided)} would go into the zip, but the Lambda runtime "
                         "provides them; remove them from the requirements")


def _skipped(relative: Path) -> bool:
    return (any(part in SKIPPED_PARTS for part in relative.parts) or relative.suffix in SKIPPED_SUFFIXES
            or relative.name in SKIPPED_NAMES)


def tree_entries(root: Path, prefix: str = "") -> dict[str, Path]:
    """Archive names -> files under ``root`` (recursively), skipping caches and build inputs."""
    entries = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not _skipped(relative):
            entries[(Path(prefix) / relative).as_posix()] = path
    return entries


def write_deterministic_zip(entries: dict[str, Path], destination: Path) -> None:
    """Write ``entries`` (archive name -> file) so the bytes depend only on names and contents."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the mode bits are read
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    partial.replace(destination)


def digests(path: Path) -> tuple[str, str]:
    digest = hashlib.sha256(path.read_bytes()).digest()
    return base64.b64encode(digest).decode("ascii"), digest.hex()


def function_entries(function: str, site_packages: Path | None) -> dict[str, Path]:
    entries = {}
    if site_packages is not None:
        entries.update(tree_entries(site_packages))
    for package in SHARED_PACKAGES:
        entries.update(tree_entries(SHARED_ROOT / package, package))
    entries.update(tree_entries(LAMBDAS / function, function))
    return entries


def build_function(function: str, runtime: str, arch: str, out_dir: Path, *, wheel_dir: Path | None = None,
                   download: bool = True, requirements: Path | None = None,
                   cache_dir: Path = CHECKOUT / ".cache") -> BuildResult:
    """Build one function's zip; with ``download=False`` the wheels must already be in ``wheel_dir``."""
    if function not in FUNCTIONS:
        raise SystemExit(f"unknown function {function!r}; known: {', '.join(FUNCTIONS)}")
    if runtime not in RUNTIMES or arch not in ARCHITECTURES:
        raise SystemExit(f"runtime must be one of {', '.join(RUNTIMES)} and arch one of {', '.join(ARCHITECTURES)}")
    requirements = requirements or (LAMBDAS / function / "requirements.txt")
    wheel_dir = wheel_dir or (cache_dir / "lambda-wheels" / f"{runtime}-{arch}")
    with tempfile.TemporaryDirectory(prefix=f"lambda-{function}-") as tmp:
        site_packages = None
        if requirements.exists():
            if download:
                download_wheels(requirements, runtime, arch, wheel_dir, cache_dir / "pip")
            site_packages = Path(tmp) / "site-packages"
            install_wheels(requirements, runtime, arch, wheel_dir, site_packages)
        entries = function_entries(function, site_packages)
        path = out_dir / f"{function}-{runtime}-{arch}.zip"
        write_deterministic_zip(entries, path)
    code_sha256, hex_digest = digests(path)
    return BuildResult(function, path, code_sha256, hex_digest, path.stat().st_size, len(entries))


def write_manifest(results: list[BuildResult], out_dir: Path) -> Path:
    """``manifest.json`` and ``SHA256SUMS`` of the zips in ``out_dir`` (entries of zips built earlier are kept)."""
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    for result in results:
        manifest[result.path.name] = {"function": result.function, "handler": f"{result.function}.handler.handler",
                                      "code_sha256": result.code_sha256, "sha256": result.sha256_hex,
                                      "size": result.size}
    manifest = {name: entry for name, entry in manifest.items() if (out_dir / name).is_file()}
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (out_dir / "SHA256SUMS").write_text("".join(f"{manifest[name]['sha256']}  {name}\n" for name in sorted(manifest)),
                                        encoding="utf-8")
    return manifest_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build deterministic Lambda deployment zips.")
    parser.add_argument("--function", action="append", choices=FUNCTIONS, help="default: all functions")
    parser.add_argument("--runtime", default="python3.12", choices=sorted(RUNTIMES))
    parser.add_argument("--arch", action="append", choices=sorted(ARCHITECTURES), help="default: x86_64")
    parser.add_argument("--out", type=Path, default=SHIPPED_ZIPS)
    parser.add_argument("--wheel-dir", type=Path, help="build offline from the wheels in this directory")
    args = parser.parse_args(argv)
    results = []
    for arch in args.arch or ["x86_64"]:
        for function in args.function or FUNCTIONS:
            result = build_function(function, args.runtime, arch, args.out, wheel_dir=args.wheel_dir,
                                    download=args.wheel_dir is None)
            results.append(result)
            print(f"{result.path.relative_to(CHECKOUT) if result.path.is_relative_to(CHECKOUT) else result.path}: "
                  f"CodeSha256={result.code_sha256} sha256={result.sha256_hex} size={result.size} "
                  f"entries={result.entries} handler={result.function}.handler.handler")
    write_manifest(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

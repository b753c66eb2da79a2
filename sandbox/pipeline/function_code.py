"""The deployed code of an emulated Lambda function, unpacked once per CodeSha256.

moto keeps a function's zip inside the emulator process and answers ``get_function`` with a
``Code.Location`` URL that points at AWS, not at the emulator. So the runner first tries that
URL (works if it ever becomes real), then looks for a zip with the same CodeSha256 (base64
SHA-256 of the zip, what Lambda reports) among the zips the collection ships
(``roles/alerting_common/files/lambda/``, written by ``lambdas/build_zips.py``).
A function whose code cannot be found is reported, not guessed.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import urllib.request
import zipfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
DEFAULT_ZIP_DIRS = (CHECKOUT / "roles" / "alerting_common" / "files" / "lambda",)
DEFAULT_CACHE = CHECKOUT / ".cache" / "pipeline-functions"


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class CodeNotFound(Exception):
    pass


class FunctionCodeStore:
    def __init__(self, cache_dir: Path = DEFAULT_CACHE, zip_dirs: tuple[Path, ...] = DEFAULT_ZIP_DIRS):
        self.cache_dir = Path(cache_dir)
        self.zip_dirs = tuple(Path(path) for path in zip_dirs)

    def _cache_path(self, sha: str) -> Path:
        return self.cache_dir / hashlib.sha256(sha.encode("ascii")).hexdigest()[:32]

    def _download(self, location: str | None) -> bytes | None:
        if not location or not location.startswith("http"):
            return None
        try:
            with urllib.request.urlopen(location, timeout=5) as answer:  # noqa: S310 - http(s) only, checked above
                return answer.read()
        except OSError:
            return None

    def _local_zip(self, sha: str) -> bytes | None:
        for folder in self.zip_dirs:
            for path in sorted(folder.glob("*.zip")) if folder.is_dir() else ():
                data = path.read_bytes()
                if code_sha256(data) == sha:
                    return data
        return None

    def unpacked(self, sha: str, location: str | None = None) -> Path:
        """The directory holding the unpacked zip whose CodeSha256 is ``sha``."""
        target = self._cache_path(sha)
        if (target / ".complete").exists():
            return target
        data = self._download(location)
        if data is None or code_sha256(data) != sha:
            data = self._local_zip(sha)
        if data is None:
            raise CodeNotFound(f"no zip with CodeSha256 {sha} (looked at Code.Location and {self.zip_dirs})")
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive_path = partial.parent / (target.name + ".zip")
        archive_path.write_bytes(data)
        with zipfile.ZipFile(archive_path) as archive:
            archive.extractall(partial)
        archive_path.unlink()
        (partial / ".complete").write_text(sha, encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
        return target

"""Fetches one release of Lucide's `lucide-static` npm package with npm (`npm pack`), unpacked under
.cache/lucide/<version>/package, so a second run reuses it. `make icons` and tests/test_icons.py
give the directory to `python -m generator import-icons`.

`python tests/lucide_package.py VERSION` fetches (or finds) it and prints the package directory.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "lucide"
VERSION = re.compile(r"\d+\.\d+\.\d+\Z")


class FetchError(RuntimeError):
    pass


def fetch(version: str, cache: Path = CACHE) -> Path:
    if not VERSION.match(version):
        raise FetchError(f"not a release version: {version!r}")
    package = cache / version / "package"
    if (package / "package.json").is_file() and (package / "icons").is_dir():
        return package
    scratch = cache / f"{version}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        done = subprocess.run(
            ["npm", "pack", "--silent", f"lucide-static@{version}", "--pack-destination", str(scratch)],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise FetchError("npm is not installed: it fetches Lucide's package from the npm registry") from None
    tarballs = list(scratch.glob("*.tgz"))
    if done.returncode != 0 or len(tarballs) != 1:
        raise FetchError(f"npm pack lucide-static@{version} failed:\n{done.stderr[-2000:]}")
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(scratch, filter="data")
    shutil.rmtree(package.parent, ignore_errors=True)
    package.parent.mkdir(parents=True)
    (scratch / "package").rename(package)
    shutil.rmtree(scratch, ignore_errors=True)
    return package


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python tests/lucide_package.py VERSION", file=sys.stderr)
        sys.exit(2)
    try:
        print(fetch(sys.argv[1]))
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)

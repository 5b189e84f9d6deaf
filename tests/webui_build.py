"""Builds Stalwart's WebUI (../shared/stalwart/webui, read-only) in a scratch copy, cached under
.cache/webui/<hash of the sources>/dist, so a run with unchanged sources reuses the last build.

`python tests/webui_build.py` builds (or finds) it and prints the dist directory; the browser test
and `make webui` call the same `build()`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "stalwart" / "webui"
CACHE = ROOT / ".cache" / "webui"
SKIP = {"node_modules", "dist", ".ignore", ".git"}


class BuildError(RuntimeError):
    pass


def _files(source: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP)
        out += [Path(dirpath, f) for f in sorted(filenames)]
    return out


def source_hash(source: Path = SOURCE) -> str:
    digest = hashlib.sha256()
    for path in _files(source):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def build(source: Path = SOURCE, cache: Path = CACHE) -> Path:
    """The built dist/ for these sources: from the cache, else `npm ci && npm run build` in a copy."""
    if not (source / "package.json").is_file():
        raise BuildError(f"no WebUI sources at {source}")
    target = cache / source_hash(source)
    dist = target / "dist"
    if (dist / "index.html").is_file():
        return dist
    scratch = cache / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(source, scratch, ignore=shutil.ignore_patterns(*SKIP))
    for path in scratch.rglob("*"):  # the shared copy has no write bits; the build writes beside its files
        path.chmod(path.stat().st_mode | 0o200)
    scratch.chmod(scratch.stat().st_mode | 0o200)
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        if done.returncode != 0:
            raise BuildError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
            )
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(dist, ignore_errors=True)
    shutil.move(str(scratch / "dist"), dist)
    shutil.rmtree(scratch, ignore_errors=True)
    return dist


if __name__ == "__main__":
    try:
        print(build())
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None

"""The three distributions install from wheels and work outside the checkout: the runtime
(schemagen-runtime), the generator (schemagen) and a package the installed generator writes.

One fresh virtual environment, built once for the module and shared by its tests: the wheels are
built with `pip wheel --no-deps`, the generator's third-party dependencies come from the package
index pip is configured with, the generated package from its own wheel. Nothing installs the
`server` extra, so the environment is also a models-only consumer's. Every command runs from a
directory outside the checkout, without PYTHONPATH, so nothing can be read from the source tree.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemagen_runtime
from conftest import REPO_ROOT

from generator.output_tree import MANIFEST

SEED_SCHEMA = REPO_ROOT / "tests" / "fixtures" / "seed_schema"
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env or CLEAN_ENV,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"
    return result


# What a build leaves in the tree it builds: copies leave it out, since a stale build/lib in the
# checkout would carry a module deleted since into the wheel.
BUILD_LEFTOVERS = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".*")


def copy_project(source: Path, scratch: Path, *parts: str) -> Path:
    """`parts` of the project at `source` copied to `scratch`, to build from there."""
    for part in parts:
        if (source / part).is_dir():
            shutil.copytree(source / part, scratch / part, ignore=BUILD_LEFTOVERS)
        else:
            scratch.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, scratch / part)
    return scratch


def build_wheel(project: Path, dist: Path) -> Path:
    """A wheel of `project` in `dist` (in pip's isolated build environment), its path."""
    before = set(dist.glob("*.whl"))
    ok(run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, project, cwd=dist))
    (wheel,) = set(dist.glob("*.whl")) - before
    return wheel


@dataclass(frozen=True)
class Installed:
    python: Path  # the fresh environment's interpreter
    work: Path  # the directory commands run in, outside the checkout: schema/ and generated/
    dist: Path  # the wheels
    sources: Path  # the copies of the checkout they were built from: {runtime,generator}/
    wheels: dict[str, Path]  # "runtime", "generator", "generated" → wheel
    package: str  # the generated import package
    distribution: str  # and its distribution name
    cli: str  # its console script

    def python_m(self, *args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run(self.python, *args, cwd=self.work, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("install")
    assert not root.resolve().is_relative_to(REPO_ROOT.resolve())
    dist, work = root / "dist", root / "work"
    dist.mkdir()
    work.mkdir()
    runtime = copy_project(REPO_ROOT / "runtime", root / "runtime", "pyproject.toml", "src")
    generator = copy_project(REPO_ROOT, root / "generator", "pyproject.toml", "generator", "templates")
    wheels = {"runtime": build_wheel(runtime, dist), "generator": build_wheel(generator, dist)}
    ok(run(sys.executable, "-m", "venv", root / "venv", cwd=root))
    python = root / "venv" / "bin" / "python"
    pip = (python, "-m", "pip", "--disable-pip-version-check", "install", "--quiet")
    ok(run(*pip, wheels["runtime"], wheels["generator"], cwd=work))

    shutil.copytree(SEED_SCHEMA, work / "schema")
    ok(run(python, "-m", "generator", "generate", cwd=work))  # the defaults: ./schema into ./generated
    generated = work / "generated" / "python"
    project = tomllib.loads((generated / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wheels["generated"] = build_wheel(copy_project(work / "generated", root / "generated", "python") / "python", dist)
    ok(run(*pip, "--no-index", "--find-links", dist, wheels["generated"], cwd=work))
    (cli,) = project["scripts"]
    package = project["scripts"][cli].partition(".")[0]
    return Installed(
        python=python,
        work=work,
        dist=dist,
        sources=root,
        wheels=wheels,
        package=package,
        distribution=project["name"],
        cli=cli,
    )


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def source_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheels_hold_every_module_and_template(installed: Installed) -> None:
    """Every file of generator/ (code and data), templates/ and the runtime package, as copied."""
    generator = wheel_names(installed.wheels["generator"])
    modules = {f"generator/{p}" for p in source_files(installed.sources / "generator" / "generator")}
    templates = {f"generator/templates/{p}" for p in source_files(installed.sources / "generator" / "templates")}
    assert modules and templates
    assert modules - generator == set()
    assert templates - generator == set()
    assert not any(name.startswith(("templates/", "tests/", "runtime/")) for name in generator)

    runtime_package = installed.sources / "runtime" / "src" / "schemagen_runtime"
    runtime = {f"schemagen_runtime/{p}" for p in source_files(runtime_package)}
    assert "schemagen_runtime/py.typed" in runtime
    assert runtime - wheel_names(installed.wheels["runtime"]) == set()


def test_the_installed_generator_writes_what_the_checkout_writes(installed: Installed, tmp_path: Path) -> None:
    """Templates found inside the installed package, one formatter (black is not even installed):
    the output is byte for byte the checkout's for the same schema."""
    probe = "import importlib.util as u, generator.resources as r; print(u.find_spec('black'), r.TEMPLATES_DIR)"
    black, templates = ok(installed.python_m("-c", probe)).stdout.split()
    assert black == "None"
    venv = installed.python.parent.parent.resolve()
    assert Path(templates).is_relative_to(venv) and Path(templates).name == "templates"
    reference = tmp_path / "reference"
    schema = installed.work / "schema"
    ok(run(sys.executable, "-m", "generator", "generate", "--schema", schema, "--out", reference, cwd=REPO_ROOT))
    outputs = source_files(reference) - {MANIFEST}  # the manifest records where the code was read from
    assert outputs == source_files(installed.work / "generated") - {MANIFEST}
    for rel in sorted(outputs):
        assert (installed.work / "generated" / rel).read_bytes() == (reference / rel).read_bytes(), rel


def test_check_export_import_and_diff_work_installed(installed: Installed) -> None:
    assert "is up to date" in ok(installed.python_m("-m", "generator", "check")).stdout
    ok(installed.python_m("-m", "generator", "export-stalwart", "schema", "--out", "published.json"))
    ok(installed.python_m("-m", "generator", "import-stalwart", "published.json", "--out", "reimported"))
    assert (installed.work / "reimported" / "project.yaml").is_file()
    ok(installed.python_m("-m", "generator", "diff", "schema", "schema"))

    outside_git = installed.python_m("-m", "generator", "diff", "--against", "HEAD")
    assert outside_git.returncode == 2
    assert outside_git.stderr.splitlines()[-1].startswith("error: HEAD: ")
    assert "not inside a git repository" in outside_git.stderr


def test_models_and_client_import_without_the_server_stack(installed: Installed) -> None:
    probe = (
        "import importlib.util\n"
        f"import {installed.package}.models as models, {installed.package}.client as client\n"
        "assert importlib.util.find_spec('uvicorn') is None and importlib.util.find_spec('argon2') is None\n"
        "print(len([n for n in dir(models) if n[:1].isupper()]), client.Client.__name__)\n"
    )
    count, client = ok(installed.python_m("-c", probe)).stdout.split()
    assert int(count) > 0 and client == "Client"

    script = installed.python.parent / installed.cli
    helped = ok(run(script, "--help", cwd=installed.work))
    assert helped.stdout.startswith(f"usage: {installed.cli} ") and " get" in helped.stdout


def test_serving_without_the_server_extra_is_one_error_naming_it(installed: Installed) -> None:
    served = installed.python_m("-m", f"{installed.package}.server")
    assert served.returncode == 1
    assert served.stderr.count("\n") == 1 and "Traceback" not in served.stderr
    assert re.fullmatch(
        rf"error: serving needs the `server` extra \(uvicorn, argon2 not installed\):"
        rf" pip install '{re.escape(installed.distribution)}\[server\]'\n",
        served.stderr,
    )


def test_the_generated_package_refuses_a_runtime_of_another_major_version(installed: Installed, tmp_path: Path) -> None:
    """A real runtime wheel of the next major version, installed where it shadows the current one."""
    version = schemagen_runtime.__version__
    bumped = f"{int(version.split('.')[0]) + 1}.0.0"
    source = copy_project(REPO_ROOT / "runtime", tmp_path / "runtime", "pyproject.toml", "src")
    for rel in ("pyproject.toml", "src/schemagen_runtime/__init__.py"):
        text = (source / rel).read_text(encoding="utf-8")
        assert text.count(f'"{version}"') == 1, rel
        (source / rel).write_text(text.replace(f'"{version}"', f'"{bumped}"'), encoding="utf-8")
    wheel = build_wheel(source, tmp_path)
    shadow = tmp_path / "shadow"
    ok(installed.python_m("-m", "pip", "install", "--quiet", "--no-deps", "--target", shadow, wheel))

    refused = installed.python_m("-c", f"import {installed.package}", env={**CLEAN_ENV, "PYTHONPATH": str(shadow)})

    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    major_minor = ".".join(version.split(".")[:2])
    assert last.startswith(f"ImportError: {installed.package} was generated for schemagen-runtime {major_minor}")
    assert f"but schemagen-runtime {bumped} is installed" in last
    ok(installed.python_m("-c", f"import {installed.package}"))  # the 1.x runtime, without the shadow

"""Start-up on the full registry. Like for like: importing every generated model module (all
classes) against importing the pydantic models datamodel-code-generator made for the same registry
(one module, all classes). And what the CLI imports in practice: `stalwart-cli --help` and
`stalwart-cli get spam-dnsbl-settings` (against the generated server), which load models lazily.

Measured with `python -X importtime`: the self times of every module a bare interpreter does not
import (so the stdlib modules a command pulls in count against it), and of the generated modules
alone. Each command runs in a fresh process the way the console script runs it, with bytecode
cached (as after `pip install`: one run writes it first); median of runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .child import run_child
from .server_bench import HOST, TOKEN, _free_port, _process

PACKAGE = "stalwart_registry"
SINGLETON = "spam-dnsbl-settings"
# What the `stalwart-cli` console script does (pyproject's [project.scripts]).
CONSOLE_SCRIPT = f"import sys; from {PACKAGE}.cli import main; sys.exit(main())"
BASELINE = "import dmcg pydantic models"
ALL_MODELS = "import every generated model module"


@dataclass(frozen=True)
class ImportTime:
    total: float  # seconds importing modules a bare interpreter does not import
    own: float  # of which the generated package's (or the models module's) own module bodies
    process: float  # wall-clock of the whole process, start to exit


def parse_importtime(stderr: str) -> dict[str, float]:
    """Module → self seconds, from `-X importtime` lines `import time: SELF | CUMULATIVE | NAME`."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, _, name = line[len("import time:") :].split("|")
            out[name.strip()] = int(self_us) / 1e6
    return out


def measure(args: list[str], env: Mapping[str, str], own: tuple[str, ...], bare: set[str], repeat: int) -> ImportTime:
    run_child([sys.executable, *args], env).check(" ".join(args))  # writes the bytecode, as pip would
    samples = []
    for _ in range(repeat):
        run = run_child([sys.executable, "-X", "importtime", *args], env).check(" ".join(args))
        times = parse_importtime(run.stderr)
        total = sum(t for name, t in times.items() if name not in bare)
        mine = sum(t for name, t in times.items() if name.startswith(own))
        samples.append(ImportTime(total, mine, run.seconds))
    return ImportTime(
        statistics.median(s.total for s in samples),
        statistics.median(s.own for s in samples),
        statistics.median(s.process for s in samples),
    )


def run(out: Path, models: Path, repeat: int = 5) -> dict[str, ImportTime]:
    """`out`: our generated tree of the full registry; `models`: the directory of dmcg's models.py."""
    env = {"PYTHONPATH": str(out / "python")}  # this tree's package, not the installed seed one
    bare = set(parse_importtime(run_child([sys.executable, "-X", "importtime", "-c", "pass"]).stderr))
    results = {}
    modules = sorted(p.stem for p in (out / "python" / PACKAGE / "models").glob("*.py") if p.stem != "__init__")
    import_all = f"import {', '.join(f'{PACKAGE}.models.{m}' for m in modules)}"
    results[ALL_MODELS] = measure(["-c", import_all], env, (PACKAGE,), bare, repeat)
    results["stalwart-cli --help"] = measure(["-c", CONSOLE_SCRIPT, "--help"], env, (PACKAGE,), bare, repeat)
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-") as tmp:
        port = _free_port()
        server_env = {**env, "HOST": HOST, "PORT": str(port), "DB": str(Path(tmp) / "db.sqlite3"), "ADMIN_TOKEN": TOKEN}
        with _process([sys.executable, "-m", f"{PACKAGE}.server"], server_env, port):
            cli_env = {**env, "STALWART_URL": f"http://{HOST}:{port}", "STALWART_TOKEN": TOKEN}
            get = ["-c", CONSOLE_SCRIPT, "get", SINGLETON]
            results[f"stalwart-cli get {SINGLETON}"] = measure(get, cli_env, (PACKAGE,), bare, repeat)
    models_env = {"PYTHONPATH": str(models)}
    results[BASELINE] = measure(["-c", "import models"], models_env, ("models",), bare, repeat)
    return results

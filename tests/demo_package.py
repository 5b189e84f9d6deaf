"""A small inline schema using every wire format (durations, sizes, sets, object lists, maps,
secrets, unions, enums, ids, immutable, server-set, unique), generated into a temporary directory
by the real generator command, so the runtime is tested on kinds the Stalwart seed schema lacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "demo_registry"

SCHEMA = """
project:
  name: Demo
  version: "1.2.3"
  description: Demo registry
  namespace: "x:"
  capability: urn:stalwart:jmap
  apiPath: /api
  cli: demo-cli
  package: demo_registry
  distribution: demo-registry
objects:
  Domain:
    description: A mail domain.
    permissionPrefix: sysDomain
    fields:
      name:
        type: string
        update: immutable
        unique: true
        maxLength: 20
        validators: [trim, lowercase]
        description: Domain name
      aliases: {type: Set<emailAddress>, description: Alias addresses}
      timeout: {type: duration, default: 30s, min: 1000, description: Timeout}
      quota: {type: size, default: 10mb, description: Quota}
      password: {type: secret?, description: Password}
      rateLimit: {type: RateLimit, default: {}, description: Rate limit}
      routes: {type: List<Route>, description: Routes}
      labels: {type: "Map<string, string>", description: Labels}
      mode: {type: Mode, default: {"@type": Manual}, description: Mode}
      kind: {type: DomainKind, default: primary, description: Kind}
      parent: {type: Id<Domain>?, description: Parent domain}
      createdAt: {type: utcDateTime?, update: serverSet, description: Creation time}
      ports: {type: Set<unsignedInteger>, description: Ports}
types:
  RateLimit:
    description: A rate.
    fields:
      count: {type: unsignedInteger, default: 100, min: 1, description: Count}
      period: {type: duration, default: 1m, description: Period}
      hits: {type: unsignedInteger, update: serverSet, default: 0, description: Hits so far}
  Route:
    description: A route.
    fields:
      host: {type: string, description: Host}
      port: {type: unsignedInteger, default: 25, max: 65535, description: Port}
  Mode:
    description: How the domain is managed.
    variants:
      Manual: Manual
      Auto: {label: Automatic, type: AutoMode}
  AutoMode:
    description: Automatic management.
    fields:
      interval: {type: duration, default: 1h, description: Interval}
enums:
  DomainKind:
    description: Kinds of domain.
    values:
      primary: Primary
      alias: Alias
"""


def generate(tmp: Path) -> Path:
    """Writes the schema, runs `python -m generator generate`, returns the package's parent dir."""
    schema_dir = tmp / "schema"
    schema_dir.mkdir(parents=True)
    (schema_dir / "demo.yaml").write_text(SCHEMA, encoding="utf-8")
    out = tmp / "out"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--schema", str(schema_dir), "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out / "python"


def import_package(root: Path) -> None:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

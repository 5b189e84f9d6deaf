"""The WebUI data of the schema language on a small schema: `form:` and `list:` on objects and
types, the `webui` section's menus (each object's places derive from them) and dashboards; what
the schema checks in them; and the export that writes them back in the published shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RunGenerator

from generator.schema_loader import load_registry

PROJECT = """project:
  name: Demo
  version: "1.0"
  namespace: "x:"
  capability: urn:demo:jmap
  apiPath: /api
  cli: demo-cli
  package: demo_registry
"""

SCHEMA = """objects:
  Domain:
    description: A domain.
    permissionPrefix: sysDomain
    fields:
      name:
        type: string
        description: Domain name
    form:
      title: Domain
      sections:
        - title: General
          fields:
            - {name: name, label: Domain Name, placeholder: example.com}
    list:
      title: Domains
      columns:
        - {name: name, label: Name}
      filters:
        - {field: text, label: Search, type: text}
      itemActions:
        - {type: view, label: View Zone, objectName: Domain/Zone}
  Domain/Zone:
    kind: view
    of: Domain
webui:
  layouts:
    - name: Management
      icon: monitor
      items:
        - {link: Dashboard, icon: layout-dashboard, component: Dashboard}
        - container: Mail
          icon: globe
          items:
            - {link: Domains, view: Domain}
            - container: More
              items:
                - {link: Zones, view: Domain/Zone}
  dashboards:
    - {id: overview, label: Overview, cards: [], charts: []}
"""


def _schema(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "schema"
    root.mkdir()
    (root / "project.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "domain.yaml").write_text(text, encoding="utf-8")
    return root


def test_places_derive_from_the_menus_and_export_writes_the_published_shapes(
    tmp_path: Path, run_generator: RunGenerator
) -> None:
    root = _schema(tmp_path, SCHEMA)
    registry, _ = load_registry(root)
    assert registry.object("Domain").webui == ("Management", "Mail", "Domains")
    assert registry.object("Domain/Zone").webui == ("Management", "Mail", "More", "Zones")
    assert registry.object("Domain").webui_icons == ("monitor", "globe", "")  # each place's icon, from its menu
    done = run_generator("export-stalwart", root, "--out", tmp_path / "schema.json")
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))
    assert list(doc) == ["objects", "schemas", "fields", "forms", "lists", "enums", "dashboards", "layouts"]
    assert doc["forms"]["x:Domain"]["sections"][0]["fields"][0]["placeholder"] == "example.com"
    assert doc["lists"]["x:Domain"]["itemActions"] == [
        {"type": "view", "label": "View Zone", "objectName": "x:Domain/Zone"}
    ]
    items = doc["layouts"][0]["items"]
    assert items[0] == {
        "link": {"name": "Dashboard", "icon": "layout-dashboard", "viewName": "CustomComponent/Dashboard"}
    }
    mail = items[1]["container"]
    assert mail["icon"] == "globe"
    assert mail["items"][0] == {"type": "link", "name": "Domains", "viewName": "x:Domain"}
    assert mail["items"][1]["items"] == [{"type": "link", "name": "Zones", "viewName": "x:Domain/Zone"}]
    assert doc["dashboards"] == [{"id": "overview", "label": "Overview", "cards": [], "charts": []}]
    page = run_generator("generate", "--schema", root, "--out", tmp_path / "out")
    assert page.returncode == 0, page.stderr
    text = (tmp_path / "out/docs/ref/object/domain.md").read_text(encoding="utf-8")
    # no icons.yaml draws them here, so the places are printed without icons (tests/test_icons.py draws them)
    assert "under Management › Mail › Domains; Management › Mail › More › Zones\n" in text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{name: name, label: Domain Name",
            "{name: nam, label: Domain Name",
            "form field 'nam' is not a field of Domain",
        ),
        ("- {name: name, label: Name}", "- {name: title, label: Name}", "list column 'title' is not a field of Domain"),
        ("objectName: Domain/Zone}", "objectName: Domain/Zones}", "'Domain/Zones' is not an object"),
        ("{link: Domains, view: Domain}", "{link: Domains, view: Domains}", "'Domains' is not an object or view"),
        ("{link: Domains, view: Domain}", "{link: Domains}", "a link has exactly one of 'view' and 'component'"),
        (
            "    permissionPrefix: sysDomain\n",
            "    permissionPrefix: sysDomain\n    webui: [Elsewhere]\n",
            "is also in the 'webui' menus",
        ),
    ],
)
def test_webui_errors_name_the_place(
    tmp_path: Path, run_generator: RunGenerator, old: str, new: str, message: str
) -> None:
    assert old in SCHEMA
    root = _schema(tmp_path, SCHEMA.replace(old, new))
    done = run_generator("generate", "--schema", root, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert message in done.stderr, done.stderr
    assert "schema/domain.yaml:" in done.stderr and "Traceback" not in done.stderr

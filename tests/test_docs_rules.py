"""Page rules that hold for every schema, on a small one: a field holding another object with a page
links there; query conditions from the WebUI lists (own, or the union of the views'); the CLI
forms (an update quotes its value, a create breaks even one field onto its own line); field
descriptions are Markdown as written, with HTML made inert."""

from __future__ import annotations

import pytest
from conftest import RunGenerator

SCHEMA = """project:
  name: Demo
  version: "1.0"
  namespace: "x:"
  capability: urn:demo:jmap
  apiPath: /api
  cli: demo-cli
  package: demo_registry
objects:
  Store:
    kind: singleton
    description: Where data lives.
    permissionPrefix: sysStore
    fields:
      path:
        type: string
        default: /var/data
        description: "Directory; `{root}` is **expanded**:\\n- <b>one</b>\\n- two"
      size:
        type: StoreSize
        description: How big
  Setup:
    kind: singleton
    description: First start.
    permissionPrefix: sysSetup
    fields:
      store:
        type: Store
        description: The store to use
  Rule:
    description: A rule.
    permissionPrefix: sysRule
    fields:
      name:
        type: string
        description: Name
      tenantId:
        type: Id<Tenant>?
        description: Tenant
    list:
      title: Rules
      columns: [{name: name, label: Name}]
      filters:
        - {field: name, label: Name, type: text}
        - {field: tenantId, label: Tenant, type: objectId, objectName: Tenant}
  Tenant:
    description: A tenant.
    permissionPrefix: sysTenant
    fields:
      name:
        type: string
        description: Name
  Tenant/Big:
    kind: view
    of: Tenant
    list:
      title: Big
      columns: [{name: name, label: Name}]
      filters: [{field: text, label: Text, type: text}, {field: name, label: Name, type: text}]
  Tenant/Small:
    kind: view
    of: Tenant
    list:
      title: Small
      columns: [{name: name, label: Name}]
      filters: [{field: name, label: Name, type: text}, {field: size, label: Size, type: integer}]
types:
  StoreSize:
    fields:
      limit:
        type: size
        default: 1mb
        description: Limit
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> dict[str, str]:
    root = tmp_path_factory.mktemp("rules")
    (root / "schema").mkdir()
    (root / "schema" / "demo.yaml").write_text(SCHEMA, encoding="utf-8")
    done = run_generator("generate", "--schema", root / "schema", "--out", root / "out")
    assert done.returncode == 0, done.stderr
    return {p.stem: p.read_text(encoding="utf-8") for p in (root / "out/docs/ref/object").glob("*.md")}


def test_a_field_holding_an_object_with_a_page_links_to_it(pages: dict[str, str]) -> None:
    setup = pages["setup"]
    assert "> Type: [<code>Store</code>](./store.md)" in setup
    assert "StoreSize" not in setup  # the store's own types are on its page, not repeated here
    assert "### StoreSize {#storesize}" in pages["store"]


def test_query_conditions_come_from_the_lists(pages: dict[str, str]) -> None:
    rule = pages["rule"]
    sentence = "The `x:Rule/query` `filter` argument accepts the following conditions"
    assert sentence in rule
    assert "| `name` | text |\n| `tenantId` | id of Tenant |" in rule
    assert '"filter": {\n              "name": "example"\n            }' in rule
    assert "demo-cli query rule\ndemo-cli query rule --where name=example\n" in rule
    tenant = pages["tenant"]  # no list of its own: its views' conditions, views by name, no example
    assert "| `text` | text |\n| `name` | text |\n| `size` | integer |" in tenant
    assert '"filter": {}' in tenant and "--where" not in tenant


def test_cli_forms(pages: dict[str, str]) -> None:
    assert "demo-cli update rule id1 --field name='updated value'\n" in pages["rule"]  # the value always quoted
    assert "demo-cli create tenant \\\n  --field name=Example\n" in pages["tenant"]


def test_field_descriptions_are_markdown_as_written(pages: dict[str, str]) -> None:
    store = pages["store"]
    assert "> Directory; `{root}` is **expanded**:\n> - &lt;b&gt;one&lt;/b&gt;\n> - two" in store

"""`import-stalwart --crate`: the Rust registry crate (../shared/stalwart/registry-crate, read at run
time) adds what schema.json leaves out, as features of the schema language; and the language
features themselves (`keys`, `context`/`contexts`, bounds order, `publishedType`, `secret`) on small
schemas.
Every command runs as a real subprocess."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SHARED_DIR, RunGenerator
from jmap_server import Server

from generator.schema_loader import load_registry
from generator.stalwart.crate.items import CrateShapeError
from generator.stalwart.crate.parse import read_crate

SCHEMA_JSON = SHARED_DIR / "stalwart" / "schema.json"
CRATE = SHARED_DIR / "stalwart" / "registry-crate"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("crate") / "schema"
    done = run_generator("import-stalwart", SCHEMA_JSON, "--crate", CRATE, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return out, done.stderr


def body(schema_dir: Path, rel: str, section: str, name: str) -> dict[str, Any]:
    return yaml.safe_load((schema_dir / rel).read_text(encoding="utf-8"))[section][name]


def test_fields_follow_the_crates_declaration_order(imported: tuple[Path, str]) -> None:
    schema, _ = imported
    fields = list(body(schema, "objects/domain.yaml", "objects", "Domain")["fields"])
    assert fields[:4] == ["name", "aliases", "isEnabled", "createdAt"]  # structs.rs order, not alphabetical
    # a server-set field only the patch code names sits after the field the patch matches before it
    assert fields.index("dnsZoneFile") == fields.index("dnsManagement") + 1


def test_validators_keys_indexes_and_contexts_are_imported(imported: tuple[Path, str]) -> None:
    schema, _ = imported
    name = body(schema, "objects/domain.yaml", "objects", "Domain")["fields"]["name"]
    assert name["validators"] == ["domain"]
    assert name["unique"] is True
    assert name["filterable"] is True and name["sortable"] is True
    assert name["textIndex"] == "text"  # the full-text `text` condition matches the words of the name
    user = next(
        yaml.safe_load(p.read_text(encoding="utf-8"))["types"]["UserAccount"]
        for p in schema.rglob("*.yaml")
        if "UserAccount:" in p.read_text(encoding="utf-8")
        and "UserAccount" in (yaml.safe_load(p.read_text(encoding="utf-8")).get("types") or {})
    )
    assert user["keys"] == {"email": {"fields": ["name", "domainId"], "shared": True}}
    http = body(schema, "objects/http.yaml", "objects", "Http")["fields"]["allowedEndpoints"]
    assert http["context"] == ["HttpVariable"]
    contexts = yaml.safe_load((schema / "contexts.yaml").read_text(encoding="utf-8"))["contexts"]
    assert contexts["HttpVariable"]["kind"] == "variables"
    assert contexts["HttpVariable"]["values"][:2] == ["listener", "remote_ip"]


def test_bounds_order_and_set_default_order_follow_the_crate(imported: tuple[Path, str]) -> None:
    schema, _ = imported
    text = next(p for p in schema.rglob("*.yaml") if "SpamRuleAny:" in p.read_text(encoding="utf-8"))
    priority = yaml.safe_load(text.read_text(encoding="utf-8"))["types"]["SpamRuleAny"]["fields"]["priority"]
    assert list(k for k in priority if k in ("min", "max")) == ["max", "min"]
    dkim = next(p for p in schema.rglob("*.yaml") if "DkimSignatureType" in p.read_text(encoding="utf-8"))
    found = [
        line for line in dkim.read_text(encoding="utf-8").splitlines() if "Dkim1Ed25519Sha256, Dkim1RsaSha256" in line
    ]
    assert found, "the algorithms default keeps the crate's order (Ed25519 first), not schema.json's sorted keys"


def test_disagreements_name_both_sources(imported: tuple[Path, str]) -> None:
    schema, stderr = imported
    assert (
        "warning: $.fields['x:AcmeProvider'].properties.eabHmacKey: not a field of AcmeProvider in the crate "
        "(schema/structs.rs:43)"
    ) in stderr
    # A set of numbers published as a set of strings: imported as numbers, the published type kept.
    line = next(ln for ln in stderr.splitlines() if "policyIdentifiers.type: published as a string" in ln)
    assert "schema/structs.rs:" in line
    report = next(p for p in schema.rglob("*.yaml") if "TlsInternalReport:" in p.read_text(encoding="utf-8"))
    fields = yaml.safe_load(report.read_text(encoding="utf-8"))["objects"]["TlsInternalReport"]["fields"]
    assert fields["policyIdentifiers"]["type"] == "Set<unsignedInteger>"
    assert fields["policyIdentifiers"]["publishedType"] == "Set<text>"


def test_export_of_the_two_source_import_reproduces_the_published_sections(
    imported: tuple[Path, str], tmp_path: Path, run_generator: RunGenerator
) -> None:
    schema, _ = imported
    done = run_generator("export-stalwart", schema, "--out", tmp_path / "schema.json")
    assert done.returncode == 0, done.stderr
    exported = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))
    published = json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))
    assert list(exported) == list(published)  # all eight sections, in the server's order
    for section in published:
        assert exported[section] == published[section], section
        assert json.dumps(exported[section], ensure_ascii=False) == json.dumps(published[section], ensure_ascii=False)


def test_pages_show_what_the_crate_gives(
    imported: tuple[Path, str], tmp_path: Path, run_generator: RunGenerator
) -> None:
    schema, _ = imported
    done = run_generator("generate", "--schema", schema, "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    http = (tmp_path / "docs/ref/object/http.md").read_text(encoding="utf-8")
    link = "[`HttpVariable`](../expression/variable/http-variable.md)"
    assert f"> Available variables: {link}." in http
    assert (
        f"## Expression references\n\nThe following expression contexts are used by fields on this page:\n\n- {link} (Variables)"
        in http
    )
    context_page = (tmp_path / "docs/ref/expression/variable/http-variable.md").read_text(encoding="utf-8")
    assert "- `remote_ip`" in context_page
    account = (tmp_path / "docs/ref/object/account.md").read_text(encoding="utf-8")
    assert "> Type: <code>EmailLocalPart</code> · required" in account
    rule = (tmp_path / "docs/ref/object/spam-rule.md").read_text(encoding="utf-8")
    assert "· max: 99999 · min: -99999" in rule


def test_the_crate_parser_keeps_where_each_fact_was_read() -> None:
    facts = read_crate(CRATE)
    bounds = facts.types["SpamRuleAny"].bounds["priority"]
    assert [(b.kind, b.value) for b in bounds] == [("max", 99999), ("min", -99999)]
    assert all(b.where.startswith("schema/structs_impl.rs:") for b in bounds)
    domain = {i.property: i for i in facts.indexes["Domain"]}
    assert domain["name"].unique and domain["name"].sortable
    assert not domain["text"].sortable  # jmap-registry-query.rs: text indexes filter but do not sort
    assert facts.types["Domain"].foreign["memberTenantId"][0] == "Tenant"
    # a call the generator wraps over several lines, with a type filter: ids of the view Account/Group
    assert facts.types["UserAccount"].foreign["memberGroupIds"][0] == "Account/Group"
    shared = [k for k in facts.types["UserAccount"].unique if k.shared]
    assert [(k.name, k.fields) for k in shared] == [("email", ("name", "domainId"))]


# -- secrets: what the crate's output (`into_value`) masks as MASKED_PASSWORD -------------------------

IMPL = "schema/structs_impl.rs"
OTP_AUTH_MASKED = "map.insert_unchecked(Property::OtpAuth, JmapValue::Str(MASKED_PASSWORD.into()));"


def test_the_crate_parser_reads_which_values_the_output_masks() -> None:
    facts = read_crate(CRATE)
    credential = facts.types["PasswordCredential"]
    assert set(credential.masked) == {"secret", "otpAuth"}  # one unconditional, one under `if ...is_some()`
    assert set(facts.types["OtpAuth"].masked) == {"otpCode", "otpUrl"}
    lines = (CRATE / IMPL).read_text(encoding="utf-8").splitlines()
    file, line = credential.masked["otpAuth"].split(":")
    assert file == IMPL and lines[int(line) - 1].strip() == OTP_AUTH_MASKED
    assert "expiresAt" in credential.shown and "expiresAt" not in credential.masked
    # a call wrapped over several lines is read as one: AccountPassword's currentSecret
    assert "currentSecret" in facts.types["AccountPassword"].masked
    masked = {(name, prop) for name, t in facts.types.items() for prop in t.masked}
    assert len(masked) == (CRATE / IMPL).read_text(encoding="utf-8").count("JmapValue::Str(MASKED_PASSWORD.into())")


def test_a_value_the_crate_masks_is_imported_as_a_secret(imported: tuple[Path, str]) -> None:
    schema, stderr = imported
    credential = body(schema, "objects/account.yaml", "types", "PasswordCredential")["fields"]
    assert credential["otpAuth"]["type"] == "uri?" and credential["otpAuth"]["secret"] is True
    assert "secret" not in credential["secret"]  # a secret format already: nothing to add
    assert "secret" not in credential["expiresAt"]
    line = next(ln for ln in stderr.splitlines() if "PasswordCredential'].properties.otpAuth" in ln)
    assert line.startswith("warning: $.fields['x:PasswordCredential'].properties.otpAuth.type: published as uri")
    assert f"masks it as MASKED_PASSWORD ({IMPL}:" in line and "imported with `secret: true`" in line
    flagged = [p for p in schema.rglob("*.yaml") if "secret: true" in p.read_text(encoding="utf-8")]
    assert sorted(p.name for p in flagged) == ["account-password.yaml", "account.yaml"]


def test_a_published_secret_the_crate_returns_unmasked_is_reported(tmp_path: Path, run_generator: RunGenerator) -> None:
    copy = _crate_copy(tmp_path)
    impl = copy / IMPL
    text = impl.read_text(encoding="utf-8")
    block = text.index("impl IntoValue for ApiKey {")
    masked = "JmapValue::Str(MASKED_PASSWORD.into())"
    at = text.index(masked, block)
    impl.write_text(text[:at] + "self.secret.into_value()" + text[at + len(masked) :], encoding="utf-8")
    line = text.count("\n", 0, at) + 1
    out = tmp_path / "schema"
    done = run_generator("import-stalwart", SCHEMA_JSON, "--crate", copy, "--out", out)
    assert done.returncode == 0, done.stderr
    assert (
        "warning: $.fields['x:ApiKey'].properties.secret.type: published as secret; the crate's output returns "
        f"it unmasked ({IMPL}:{line}); schema.json's secret kept"
    ) in done.stderr
    assert body(out, "objects/api-key.yaml", "objects", "ApiKey")["fields"]["secret"]["type"] == "secret"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (OTP_AUTH_MASKED, "map.insert_unchecked(Property::OtpAuth, mask(self.otp_auth));", "cannot read the value"),
        (OTP_AUTH_MASKED, "let masked = JmapValue::Str(MASKED_PASSWORD.into());", "expected `map.insert_unchecked"),
        ("otp_auth: Default::default(),", "otp_auth: Some(MASKED_PASSWORD.to_string()),", "outside `into_value`"),
    ],
)
def test_a_masked_value_of_another_shape_is_refused_with_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    copy = _crate_copy(tmp_path)
    impl = copy / IMPL
    lines = impl.read_text(encoding="utf-8").splitlines()
    at = next(i for i, text in enumerate(lines) if text.strip() == old)
    lines[at] = lines[at].replace(old, new)
    impl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CrateShapeError) as caught:
        read_crate(copy)
    assert caught.value.where == f"{IMPL}:{at + 1}" and message in caught.value.message


def _crate_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "crate"
    shutil.copytree(CRATE, copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return copy


def test_a_crate_of_another_shape_is_refused_with_file_and_line(tmp_path: Path, run_generator: RunGenerator) -> None:
    copy = _crate_copy(tmp_path)
    structs = copy / "schema" / "structs.rs"
    lines = structs.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "pub struct ApiKey {")
    lines[at + 1] = '    #[serde(rename = "description", default)]'
    structs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CrateShapeError) as caught:
        read_crate(copy)
    assert caught.value.where == f"schema/structs.rs:{at + 2}"
    out = tmp_path / "schema"
    done = run_generator("import-stalwart", SCHEMA_JSON, "--crate", copy, "--out", out)
    assert done.returncode == 1
    assert f"error: schema/structs.rs:{at + 2}: expected `#[serde(rename" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    missing = run_generator("import-stalwart", SCHEMA_JSON, "--crate", tmp_path / "nowhere", "--out", out)
    assert missing.returncode == 1 and "not the registry crate" in missing.stderr


# -- the language features, on a small schema --------------------------------------------------------

PROJECT = """project:
  name: Demo
  version: "1.0"
  namespace: "x:"
  capability: urn:demo:jmap
  apiPath: /api
  cli: demo-cli
  package: demo_registry
"""

SMALL = """contexts:
  RuleVariable:
    kind: variables
    values: [sender, recipient]
types:
  Rule:
    fields:
      else:
        type: string
        description: The value
objects:
  Mailbox:
    description: A mailbox.
    permissionPrefix: sysMailbox
    keys:
      address: {fields: [local, domain], shared: true}
    fields:
      local:
        type: string
        validators: [emailLocalPart, lowercase]
        description: Local part
      domain:
        type: string
        validators: [domain]
        description: Domain
      weight:
        type: integer
        max: 10
        min: -10
        description: Weight
      route:
        type: Rule
        context: [RuleVariable]
        description: Where mail goes
      recovery:
        type: uri?
        secret: true
        description: Recovery link
"""


def _schema(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "schema"
    root.mkdir()
    (root / "project.yaml").write_text(PROJECT, encoding="utf-8")
    (root / "mailbox.yaml").write_text(text, encoding="utf-8")
    return root


def test_language_features_reach_ir_page_and_descriptors(tmp_path: Path, run_generator: RunGenerator) -> None:
    root = _schema(tmp_path, SMALL)
    registry, _ = load_registry(root)
    mailbox = registry.schemas["Mailbox"]
    assert [(k.name, k.fields, k.shared) for k in mailbox.keys] == [("address", ("local", "domain"), True)]
    weight = next(f for f in mailbox.fields if f.name == "weight")
    assert weight.bounds_order == ("max", "min")
    assert registry.contexts["RuleVariable"].values == ("sender", "recipient")
    out = tmp_path / "out"
    done = run_generator("generate", "--schema", root, "--out", out)
    assert done.returncode == 0, done.stderr
    page = (out / "docs/ref/object/mailbox.md").read_text(encoding="utf-8")
    assert "> Type: <code>EmailLocalPart</code> · required" in page
    assert "> Type: <code>DomainName</code> · required" in page
    assert "· max: 10 · min: -10" in page
    assert "> Available variables: [`RuleVariable`](../expression/variable/rule-variable.md)." in page
    assert (out / "docs/ref/expression/variable/rule-variable.md").is_file()
    descriptors = (out / "python/demo_registry/_registry/mailbox.py").read_text(encoding="utf-8")
    assert 'keys=(("address", ("local", "domain"), True),)' in descriptors
    assert 'validators=("emailLocalPart", "lowercase")' in descriptors
    recovery = next(f for f in mailbox.fields if f.name == "recovery")
    assert recovery.secret and recovery.is_secret and recovery.type.format == "uri"
    assert "> Type: <code>Uri?</code> · secret\n" in page  # shown as the pages show a secret
    assert 'F("recovery", T("string", format="uri", nullable=True, secret=True))' in descriptors


@pytest.mark.parametrize(
    ("flag", "message"),
    [("secret: true", "'secret' applies to strings, but 'weight' is number"), ("secret: on", "boolean")],
)
def test_a_secret_flag_that_does_not_fit_is_refused(
    tmp_path: Path, run_generator: RunGenerator, flag: str, message: str
) -> None:
    text = SMALL.replace("        max: 10\n", f"        max: 10\n        {flag}\n")
    root = _schema(tmp_path, text)
    done = run_generator("generate", "--schema", root, "--out", tmp_path / "out")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip() == flag)
    assert f"schema/mailbox.yaml:{line}:9: " in done.stderr and message in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("fields: [local, domain]", "fields: [local, host]", "key 'address' names unknown field 'host'"),
        ("context: [RuleVariable]", "context: [RuleVariables]", "unknown expression context 'RuleVariables'"),
    ],
)
def test_language_feature_errors_name_the_place(
    tmp_path: Path, run_generator: RunGenerator, old: str, new: str, message: str
) -> None:
    root = _schema(tmp_path, SMALL.replace(old, new))
    done = run_generator("generate", "--schema", root, "--out", tmp_path / "out")
    assert done.returncode == 1
    line = next(i for i, text in enumerate(SMALL.replace(old, new).splitlines(), 1) if new in text)
    assert f"schema/mailbox.yaml:{line}:" in done.stderr and message in done.stderr


# -- validators the crate adds, enforced by the generated server ----------------------------------------

SERVER_SCHEMA = """project:
  name: Demo
  version: "1.0"
  namespace: "x:"
  capability: urn:stalwart:jmap
  apiPath: /api
  cli: demo-cli
  package: demo_registry
objects:
  Mailbox:
    description: A mailbox.
    permissionPrefix: sysMailbox
    fields:
      local:
        type: string
        validators: [emailLocalPart, lowercase]
        description: Local part
      tag:
        type: string
        validators: [removeSpaces, uppercase]
        description: Tag
      contact:
        type: string?
        validators: [email]
        description: Contact address
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("validators")
    (root / "schema").mkdir()
    (root / "schema" / "demo.yaml").write_text(SERVER_SCHEMA, encoding="utf-8")
    done = run_generator("generate", "--schema", root / "schema", "--out", root / "out")
    assert done.returncode == 0, done.stderr
    srv = Server(root, package="demo_registry", pythonpath=str(root / "out" / "python")).start()
    yield srv
    srv.stop()


def test_the_server_applies_the_normalising_validators(server: Server) -> None:
    _, args, _ = server.call("x:Mailbox/set", {"create": {"n1": {"local": "Alice", "tag": "ab c d"}}})
    created = args["created"]["n1"]["id"]
    _, got, _ = server.call("x:Mailbox/get", {"ids": [created]})
    assert (got["list"][0]["local"], got["list"][0]["tag"]) == ("alice", "ABCD")


@pytest.mark.parametrize(
    ("payload", "bad"),
    [
        ({"local": "al ice", "tag": "x"}, "local"),
        ({"local": "alice", "tag": "x", "contact": "not-an-address"}, "contact"),
        ({"local": "alice", "tag": "x", "contact": "a@b@example.com"}, "contact"),
    ],
)
def test_the_server_refuses_what_a_validator_refuses(server: Server, payload: dict[str, Any], bad: str) -> None:
    _, args, _ = server.call("x:Mailbox/set", {"create": {"n1": payload}})
    error = args["notCreated"]["n1"]
    assert error["type"] == "validationFailed" and error["properties"] == [bad], error
    _, ok, _ = server.call(
        "x:Mailbox/set", {"create": {"n1": {**payload, bad: "ok" if bad == "local" else "a@b.example"}}}
    )
    assert "n1" in ok["created"], ok

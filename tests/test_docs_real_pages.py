"""The pages generated from the real registry (schema.json and the Rust registry crate, imported
with `import-stalwart --crate`) against the 16 real v0.16 pages, fact by fact.

`pytest -s tests/test_docs_real_pages.py` prints the match rate per page and overall, and every miss
with how it is accounted for. The comparison is strict: CLI lines are compared as text (quoting
included), field descriptions as the Markdown written (factparse.facts), and the WebUI places as
the line written, inline Lucide icons included (the icons come from schema/icons.yaml, which the
importer keeps as it keeps every file it did not write). A miss (a fact whose value differs, or
that one side lacks) must be:

- **not derivable**: it needs data neither schema.json nor the crate gives. Each kind is an
  `Unknowable` below with its reason (the README's "Facts the published schema cannot give" lists
  the same). Its `normalize` erases exactly that data; what is left must then match;
- **a correction**: the real page shows an invalid example; SPEC §4 asks for a valid one of the same
  form, so ours must be valid, keep the form and agree with the real one wherever that is valid;
- anything else is a generator bug, and fails the test.

Every allow-list entry must explain at least one miss, so no stale excuse survives.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, SHARED_DIR, RunGenerator
from factparse import TOP_LEVEL, Page, facts, parse_page, written_form

from generator.defaults import DefaultNormalizer
from generator.ir import Field, Object, Registry, Schema
from generator.names import kebab
from generator.schema_loader import load_registry
from generator.targets.examples import examples_for

REAL_PAGES = SHARED_DIR / "stalwart" / "reference" / "object"
SCHEMA_JSON = SHARED_DIR / "stalwart" / "schema.json"
CRATE = SHARED_DIR / "stalwart" / "registry-crate"
ICONS = REPO_ROOT / "schema" / "icons.yaml"  # Lucide's drawings (tests/test_icons.py checks them)
REAL_NAMES = sorted(p.stem for p in REAL_PAGES.glob("*.md")) if REAL_PAGES.is_dir() else []
MANAGEMENT_OBJECTS = 117  # the x: objects and singletons; the 6 standard JMAP objects are served elsewhere
MISSING = "<absent>"

Facts = dict[str, Any]


@dataclass
class Generated:
    registry: Registry
    pages: Path  # OUT/docs/ref/object


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Generated:
    """`import-stalwart` (both sources) then `generate`, as a user runs them, into a schema directory
    that holds the committed icon drawings."""
    root = tmp_path_factory.mktemp("real-registry")
    schema, out = root / "schema", root / "out"
    schema.mkdir()
    shutil.copy(ICONS, schema / ICONS.name)
    imported = ("import-stalwart", SCHEMA_JSON, "--crate", CRATE, "--out", schema)
    for args in (imported, ("generate", "--schema", schema, "--out", out)):
        done = run_generator(*args)
        assert done.returncode == 0, done.stderr
    return Generated(load_registry(schema)[0], out / "docs" / "ref" / "object")


def read(path: Path) -> Page:
    return parse_page(path.read_text(encoding="utf-8"))


BREADCRUMB = "This object can be configured from the [WebUI]"


def breadcrumb_as_written(path: Path) -> str:
    """The WebUI places line byte for byte: separators, links and each icon's inline SVG."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((line for line in lines if line.startswith(BREADCRUMB)), MISSING)


# -- what a page's facts are about -----------------------------------------------------------------


@dataclass
class Subject:
    """One real page and the object it documents."""

    registry: Registry
    obj: Object
    real: Page

    def schema_at(self, where: str) -> Schema | None:
        """Our schema of a place on the page: top level, a variant (`@type "V"`) or a nested type."""
        schema = self.obj.schema
        assert schema is not None
        if where == TOP_LEVEL:
            return schema
        if match := re.fullmatch(r'@type "(.+)"', where):
            variant = next(v for v in schema.variants if v.name == match.group(1))
            return self.registry.schemas[variant.type] if variant.type else None
        return self.registry.schemas.get(where)

    def example_fields(self, variant: str | None) -> tuple[Field, ...]:
        """The fields an example payload may set: the object's, or for a union those of the variant
        it names (the example object's variant when it names none)."""
        schema = self.obj.schema
        assert schema is not None
        if not schema.is_union:
            return schema.fields
        name = variant or self.obj.examples.create_variant or schema.variants[0].name
        found = self.schema_at(f'@type "{name}"')
        return found.fields if found else ()


# -- facts schema.json cannot give -----------------------------------------------------------------

HIDDEN_FIELDS = {"credentialId"}
SITE_PAGES = {"../events.md": "EventType"}  # enums the site documents on pages of their own naming
FILTER_SENTENCE = re.compile(r"The `\S+/query` `filter` argument accepts the following conditions")


def read_only_server_set(subject: Subject, key: str, value: Any) -> Any:
    if key.endswith("/ annotations") and isinstance(value, tuple) and "server-set" in value:
        return tuple(n for n in value if n != "read-only")
    return value


def nested_descriptions(subject: Subject, key: str, value: Any) -> Any:
    return "" if re.fullmatch(r"nested \S+ / description", key) else value


def hidden_fields(subject: Subject, key: str, value: Any) -> Any:
    if key.startswith("fields of ") and isinstance(value, tuple):
        return tuple(n for n in value if n not in HIDDEN_FIELDS)
    if re.fullmatch(rf"field .+ / ({'|'.join(HIDDEN_FIELDS)}) / .+", key):
        return MISSING
    return value


def site_enum_pages(subject: Subject, key: str, value: Any) -> Any:
    if key.endswith("/ type links") and isinstance(value, tuple):
        return tuple(f"../enum/{kebab(SITE_PAGES[link])}.md" if link in SITE_PAGES else link for link in value)
    return value


def zero_unit(subject: Subject, key: str, value: Any) -> Any:
    if key.endswith("/ annotations") and isinstance(value, tuple):
        return tuple('default: "0s"' if n == 'default: "0ms"' else n for n in value)
    return value


@dataclass(frozen=True)
class Unknowable:
    code: str
    reason: str
    normalize: Callable[[Subject, str, Any], Any]  # erases the unknowable part of one fact's value
    # Applied to the real value only (it maps what the real page knows to what we can say), or,
    # where our side necessarily differs too (an order, a sample value, a field we show), to both.
    both: bool = False


UNKNOWABLE = (
    Unknowable(
        "read-only-server-set",
        "some server-set fields are also marked read-only (immutable); schema.json has one update mode "
        "per field and publishes them as serverSet only",
        read_only_server_set,
    ),
    Unknowable("nested-descriptions", "schema.json has no descriptions of nested types", nested_descriptions),
    Unknowable(
        "hidden-fields",
        "the pages leave out the internal `credentialId` of credentials; schema.json publishes it like "
        "any other server-set field",
        hidden_fields,
        both=True,
    ),
    Unknowable(
        "site-enum-pages",
        "the site documents EventType on its events page (../events.md); nothing in schema.json names "
        "that page, so it gets the page every large enum gets (../enum/event-type.md)",
        site_enum_pages,
    ),
    Unknowable(
        "zero-unit",
        'the source writes the default of `elapsed` as "0ms"; schema.json publishes 0, which shows as "0s", '
        "and the crate writes every duration default as Duration::from_millis(n) (Rate's `period`, whose page "
        'shows "0s", too)',
        zero_unit,
    ),
)


# -- corrections: the real example is invalid, ours is the valid one of the same form --------------


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def value_problems(registry: Registry, f: Field, value: Any) -> list[str]:
    wire, problems = DefaultNormalizer(registry.schemas, registry.enums).normalize(value, f.type)
    if problems:
        return problems
    if isinstance(wire, int | float) and not isinstance(wire, bool):
        if f.min is not None and wire < f.min:
            problems.append(f"{f.name} below min")
        if f.max is not None and wire > f.max:
            problems.append(f"{f.name} above max")
    if f.min_items is not None and isinstance(wire, list | dict) and len(wire) < f.min_items:
        problems.append(f"{f.name} has fewer than {f.min_items} items")
    if f.max_length is not None and isinstance(wire, str) and len(wire) > f.max_length:
        problems.append(f"{f.name} longer than {f.max_length}")
    return problems


def payload_problems(subject: Subject, payload: dict[str, Any], create: bool) -> dict[str, list[str]]:
    """Per property, why the payload would be refused ("" for the payload as a whole)."""
    fields = {f.name: f for f in subject.example_fields(payload.get("@type"))}
    out: dict[str, list[str]] = {}
    for key, value in payload.items():
        if key == "@type":
            continue
        if key == "id":
            if value != subject.obj.examples.id:
                out[key] = [f"the example object's id is {subject.obj.examples.id!r}"]
        elif key not in fields:
            out[key] = [f"{subject.obj.name} has no property {key!r}"]
        elif fields[key].update == "serverSet" or (fields[key].update == "immutable" and not create):
            out[key] = [f"{key!r} is not settable{' after create' if fields[key].update == 'immutable' else ''}"]
        elif problems := value_problems(subject.registry, fields[key], value):
            out[key] = problems
    if create and (missing := [f.name for f in fields.values() if f.needed_on_create and f.name not in payload]):
        out[""] = [f"required {', '.join(missing)} missing"]
    return out


def cli_payload(subject: Subject, argv: tuple[str, ...]) -> dict[str, Any]:
    """`--field k=v` arguments as the payload the CLI sends (JSON where the field is not a string)."""
    schema = subject.obj.schema
    assert schema is not None
    target = argv[2].split("/")[1] if argv[1] == "create" and "/" in argv[2] else None
    variant = next((v.name for v in schema.variants if kebab(v.name) == target), None)
    fields = {f.name: f for f in subject.example_fields(variant)}
    out: dict[str, Any] = {"@type": variant} if variant else {}
    for i, arg in enumerate(argv):
        if i and argv[i - 1] == "--field":
            key, _, text = arg.partition("=")
            f = fields.get(key)
            textual = f is not None and f.type.kind in ("string", "enum", "objectId", "utcDateTime", "blobId")
            human = f is not None and f.type.format in ("duration", "size") and not text.isdigit()
            out[key] = text if textual or human or _json_or_none(text) is None else json.loads(text)
    return out


def corrected(subject: Subject, real: dict[str, Any], ours: dict[str, Any], create: bool) -> bool:
    """The real payload is refused; ours is accepted, agrees with it on every property the real one
    gets right, and only drops what is wrong. A create may add what it requires; an update keeps the
    number of properties (the same form)."""
    real_problems = payload_problems(subject, real, create)
    if not real_problems or payload_problems(subject, ours, create):
        return False
    if any(ours.get(k) != v for k, v in real.items() if k not in real_problems):
        return False
    if not set(real) - set(ours) <= set(real_problems):
        return False
    if create:
        required = {f.name for f in subject.example_fields(ours.get("@type")) if f.needed_on_create}
        return set(ours) - set(real) <= required
    return len(ours) == len(real)


SET_BODY = re.compile(r"jmap \S+/set(?: (?P<op>Create|Update))? / curl 0 / body\Z")


def correction(subject: Subject, key: str, real: Any, ours: Any) -> bool:
    if SET_BODY.match(key) and isinstance(real, dict) and isinstance(ours, dict):
        real_args, our_args = real["methodCalls"][0][1], ours["methodCalls"][0][1]
        if set(real_args) != set(our_args) or len(real_args) != 1:
            return False
        verb = next(iter(real_args))
        if verb not in ("create", "update") or list(real_args[verb]) != list(our_args[verb]):
            return False
        (real_payload,), (our_payload,) = real_args[verb].values(), our_args[verb].values()
        return corrected(subject, real_payload, our_payload, create=verb == "create")
    if key in ("cli Create / commands", "cli Update / commands") and len(real) == len(ours) == 1:
        (real_line,), (our_line,) = real, ours
        real_argv, our_argv = tuple(shlex.split(real_line)), tuple(shlex.split(our_line))
        create = real_argv[1] == "create"
        if real_argv[:3] != our_argv[:3] or (not create and written_form(real_line) != written_form(our_line)):
            return False
        real_payload, our_payload = cli_payload(subject, real_argv), cli_payload(subject, our_argv)
        if create:  # the arguments the real line has keep their order
            kept = [k for k in our_payload if k in real_payload]
            if kept != [k for k in real_payload if k in our_payload]:
                return False
        return corrected(subject, real_payload, our_payload, create)
    return False


CORRECTION_REASON = "the real example is refused by the schema; ours is the valid one of the same form"


# -- classification --------------------------------------------------------------------------------


@dataclass
class Verdict:
    key: str
    real: Any
    ours: Any
    why: tuple[str, ...]  # codes of the Unknowables (and "correction") that explain it; () = a bug


def _explained(subject: Subject, key: str, real: Any, ours: Any, rules: tuple[Unknowable, ...]) -> str | None:
    """ "equal" or "correction" when the rules' normalizations account for the difference, else None."""
    for rule in rules:
        real = rule.normalize(subject, key, real)
        ours = rule.normalize(subject, key, ours) if rule.both else ours
    if real == ours:
        return "equal"
    return "correction" if correction(subject, key, real, ours) else None


def classify(subject: Subject, key: str, real: Any, ours: Any) -> Verdict:
    """The fewest allow-list entries that account for the miss: all of them are tried, then each is
    dropped again if the rest still account for it, so every entry cited was needed."""
    if _explained(subject, key, real, ours, UNKNOWABLE) is None:
        return Verdict(key, real, ours, ())
    rules = list(UNKNOWABLE)
    for rule in UNKNOWABLE:
        fewer = tuple(r for r in rules if r is not rule)
        if _explained(subject, key, real, ours, fewer) is not None:
            rules.remove(rule)
    outcome = _explained(subject, key, real, ours, tuple(rules))
    tail = ("correction",) if outcome == "correction" else ()
    return Verdict(key, real, ours, (*(r.code for r in rules), *tail))


@dataclass
class PageResult:
    name: str
    total: int
    equal: int
    verdicts: list[Verdict]

    @property
    def unknowable(self) -> int:
        return sum(1 for v in self.verdicts if v.why and "correction" not in v.why)

    @property
    def corrected(self) -> int:
        return sum(1 for v in self.verdicts if "correction" in v.why)

    @property
    def bugs(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.why]

    @property
    def derivable(self) -> int:
        return self.total - self.unknowable

    @property
    def derivable_matched(self) -> int:
        return self.equal + self.corrected

    def report(self) -> str:
        rate = self.derivable_matched / self.derivable if self.derivable else 1.0
        lines = [
            f"{self.name}: {self.total} facts, {self.equal} equal, {self.corrected} corrected, "
            f"{self.unknowable} not derivable; derivable facts matched {self.derivable_matched}/{self.derivable} ({rate:.1%})"
        ]
        for v in self.verdicts:
            lines += [
                f"  {'BUG' if not v.why else 'miss'} {v.key} [{', '.join(v.why) or 'derivable: generator bug'}]",
                f"    real: {_short(v.real)}",
                f"    ours: {_short(v.ours)}",
            ]
        return "\n".join(lines)


def _short(value: Any, limit: int = 240) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def compare_page(generated: Generated, name: str) -> PageResult:
    real = read(REAL_PAGES / f"{name}.md")
    obj = next(o for o in generated.registry.managed if kebab(o.name) == name)
    subject = Subject(generated.registry, obj, real)
    real_facts, plain = facts(real), facts(read(generated.pages / f"{name}.md"))
    real_facts["breadcrumb as written"] = breadcrumb_as_written(REAL_PAGES / f"{name}.md")
    plain["breadcrumb as written"] = breadcrumb_as_written(generated.pages / f"{name}.md")
    keys = list(real_facts) + [k for k in plain if k not in real_facts]
    verdicts = [
        classify(subject, k, real_facts.get(k, MISSING), plain.get(k, MISSING))
        for k in keys
        if real_facts.get(k, MISSING) != plain.get(k, MISSING)
    ]
    return PageResult(name, len(keys), len(keys) - len(verdicts), verdicts)


@pytest.fixture(scope="session")
def results(generated: Generated) -> dict[str, PageResult]:
    return {name: compare_page(generated, name) for name in REAL_NAMES}


# -- tests -----------------------------------------------------------------------------------------


def test_one_page_per_management_object(generated: Generated) -> None:
    pages = sorted(p.stem for p in generated.pages.glob("*.md"))
    assert len(pages) == len(generated.registry.managed) == MANAGEMENT_OBJECTS
    external = [o for o in generated.registry.objects if o.external]
    assert sorted(o.jmap_name for o in external) == [
        "AddressBook",
        "Calendar",
        "Mailbox",
        "Principal",
        "SieveScript",
        "VacationResponse",
    ]
    assert not {kebab(o.name) for o in external} & set(pages)
    assert set(REAL_NAMES) <= set(pages)


@pytest.mark.parametrize("name", REAL_NAMES)
def test_every_derivable_fact_matches(name: str, results: dict[str, PageResult]) -> None:
    result = results[name]
    print("\n" + result.report())
    assert result.total >= 50
    assert not result.bugs, result.report()


def test_overall_rate_and_no_stale_exceptions(results: dict[str, PageResult]) -> None:
    total = sum(r.total for r in results.values())
    derivable = sum(r.derivable for r in results.values())
    matched = sum(r.derivable_matched for r in results.values())
    equal = sum(r.equal for r in results.values())
    used = Counter(code for r in results.values() for v in r.verdicts for code in v.why)
    print(
        f"\noverall: {total} facts on {len(results)} pages, {equal} equal ({equal / total:.1%}); "
        f"derivable facts matched {matched}/{derivable} ({matched / derivable:.1%})"
    )
    for rule in UNKNOWABLE:
        print(f"  not derivable, {rule.code}: {used[rule.code]} fact(s): {rule.reason}")
    print(f"  corrected, {used['correction']} fact(s): {CORRECTION_REASON}")
    assert matched == derivable
    stale = [rule.code for rule in UNKNOWABLE if not used[rule.code]]
    assert not stale, f"allow-list entries that explain nothing: {stale}"
    assert used["correction"], "no correction is needed any more: compare the examples exactly"


def test_every_example_of_every_page_is_valid(generated: Generated) -> None:
    """The example rules hold on all 117 objects, not only on the 16 with a real page: each create and
    update payload, curl and CLI, is one the schema accepts."""
    problems = []
    for obj in generated.registry.managed:
        subject = Subject(generated.registry, obj, Page())
        examples = examples_for(generated.registry, obj)
        payloads = []
        for op in examples.set_ops:
            args = op.body["methodCalls"][0][1]
            verb = "create" if "create" in args else "update" if "update" in args else None
            if verb:
                payloads.append((f"curl {verb}", next(iter(args[verb].values())), verb == "create"))
        for cli in examples.cli:
            if cli.argv[0] in ("create", "update"):
                argv = (generated.registry.project.cli, *cli.argv)
                payloads.append((f"cli {cli.argv[0]}", cli_payload(subject, argv), cli.argv[0] == "create"))
        for what, payload, create in payloads:
            if found := payload_problems(subject, payload, create):
                problems.append(f"{obj.name} {what}: {found}")
    assert not problems, "\n".join(problems)


def test_readme_lists_every_exception() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Facts the published schema cannot give", 1)[1]
    for rule in UNKNOWABLE:
        assert f"`{rule.code}`" in section, rule.code

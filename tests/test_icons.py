"""The WebUI menus' icons: `import-icons` writes their drawings from a Lucide package into the
schema's `icons` section, the loader checks it, and reference pages inline each icon as SVG.

The committed schema/icons.yaml is checked against Lucide itself: the recorded lucide-static
release is fetched from the npm registry (tests/lucide_package.py, cached under .cache/lucide/)
and `import-icons` must write the file byte for byte. The other tests use small packages written
here, so they run offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT, RunGenerator
from lucide_package import fetch

from generator.icons import menu_icons
from generator.loader import load_file

SCHEMA = REPO_ROOT / "schema"
SEED = REPO_ROOT / "tests" / "fixtures" / "seed_schema"
SVG_OPEN = (
    '<svg class="lucide-icon" width="1em" height="1em" xmlns="http://www.w3.org/2000/svg" '
    'viewBox="0 0 24 24" fill="none" stroke="currentColor" >'
)


def icon_file(*elements: str) -> str:
    """An icon file shaped like lucide-static's: a licence comment, one attribute per line."""
    return (
        '<!-- @license test-icons 0.0.1 - ISC -->\n<svg\n  class="lucide lucide-x"\n'
        '  xmlns="http://www.w3.org/2000/svg"\n  width="24"\n  height="24"\n  viewBox="0 0 24 24"\n'
        '  fill="none"\n  stroke="currentColor"\n>\n' + "".join(f"  {e}\n" for e in elements) + "</svg>\n"
    )


SEED_ICONS = {  # the icons the seed menus name, drawn here (not Lucide's drawings)
    "monitor": icon_file(
        '<rect width="20" height="14" x="2" y="3" rx="2" />', '<line x1="8" x2="16" y1="21" y2="21" />'
    ),
    "zap": icon_file('<path d="M4 14 L20 10 z" />'),
    "sliders-horizontal": icon_file('<path d="M3 5h7" />', '<circle cx="12" cy="12" r="3" />'),
    "shield-alert": icon_file('<path d="M12 8v4" />'),
}


def package(root: Path, icons: dict[str, str]) -> Path:
    pkg = root / "lucide" / "package"
    (pkg / "icons").mkdir(parents=True)
    (pkg / "package.json").write_text('{"name": "test-icons", "version": "0.0.1", "license": "ISC"}', encoding="utf-8")
    for name, text in icons.items():
        (pkg / "icons" / f"{name}.svg").write_text(text, encoding="utf-8")
    return pkg


def seed_copy(root: Path) -> Path:
    return Path(shutil.copytree(SEED, root / "schema"))


def breadcrumb(out: Path, page: str) -> str:
    text = (out / "docs" / "ref" / "object" / f"{page}.md").read_text(encoding="utf-8")
    return next(line for line in text.splitlines() if line.startswith("This object can be configured"))


# -- the committed file is Lucide's ----------------------------------------------------------------


def test_committed_icons_are_what_import_icons_writes_from_the_recorded_lucide(
    tmp_path: Path, run_generator: RunGenerator
) -> None:
    committed = (SCHEMA / "icons.yaml").read_text(encoding="utf-8")
    (version,) = re.findall(r"^  source: lucide-static (\S+)$", committed, re.M)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"LUCIDE_VERSION ?= {version}\n" in makefile, "make icons must fetch the release icons.yaml records"
    lucide = fetch(version)
    schema = Path(shutil.copytree(SCHEMA, tmp_path / "schema"))
    (schema / "icons.yaml").unlink()
    done = run_generator("import-icons", lucide, "--schema", schema)
    assert done.returncode == 0, done.stderr
    assert (schema / "icons.yaml").read_text(encoding="utf-8") == committed, "re-write it: make icons"
    # every icon the menus name is drawn, and nothing else (dashboards' icons are not on pages)
    menus = load_file(SCHEMA / "webui.yaml", "webui.yaml")[0].data["webui"]
    names = {name for _, name in menu_icons(menus)}
    assert set(re.findall(r"^    ([a-z0-9-]+):$", committed, re.M)) == names


def test_committed_pages_inline_the_committed_drawings() -> None:
    page = (REPO_ROOT / "generated" / "docs" / "ref" / "object" / "action.md").read_text(encoding="utf-8")
    assert "lucide-sprite" not in page and "<use " not in page
    zap = re.search(r"^    zap:\n((?:      .*\n)+)", (SCHEMA / "icons.yaml").read_text(encoding="utf-8"), re.M)
    assert zap is not None
    (d,) = re.findall(r"d: (.+)", zap.group(1))
    assert f'stroke-linejoin="round" ><path d="{d}" /></svg> Actions' in page


# -- import-icons, generate and the page, on the seed schema ----------------------------------------


def test_pages_inline_each_icon_as_the_package_draws_it(tmp_path: Path, run_generator: RunGenerator) -> None:
    schema = seed_copy(tmp_path)
    done = run_generator("import-icons", package(tmp_path, SEED_ICONS), "--schema", schema)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {schema / 'icons.yaml'}\n"
    again = run_generator("import-icons", package(tmp_path / "again", SEED_ICONS), "--schema", schema)
    assert again.stdout.startswith("unchanged:"), again.stdout
    generated = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert generated.returncode == 0, generated.stderr
    monitor = (
        f'{SVG_OPEN}<rect width="20" height="14" x="2" y="3" rx="2" /><line x1="8" x2="16" y1="21" y2="21" /></svg>'
    )
    zap = f'{SVG_OPEN}<path d="M4 14 L20 10 z" /></svg>'
    assert breadcrumb(tmp_path / "out", "action").endswith(f"under {monitor} Management › {zap} Actions")
    sliders = f'{SVG_OPEN}<path d="M3 5h7" /><circle cx="12" cy="12" r="3" /></svg>'
    shield = f'{SVG_OPEN}<path d="M12 8v4" /></svg>'
    assert breadcrumb(tmp_path / "out", "spam-dnsbl-settings").endswith(
        f"under {sliders} Settings › {shield} Spam Filter › DNSBL › Settings"
    )


def test_without_drawings_places_are_printed_without_icons(tmp_path: Path, run_generator: RunGenerator) -> None:
    done = run_generator("generate", "--schema", seed_copy(tmp_path), "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert breadcrumb(tmp_path / "out", "action").endswith("under Management › Actions")


def test_attribute_values_are_escaped_on_the_page(tmp_path: Path, run_generator: RunGenerator) -> None:
    schema = seed_copy(tmp_path)
    hostile = {**SEED_ICONS, "zap": icon_file('<path d="M0 0&quot;&gt;&lt;script&gt;x" />')}
    assert run_generator("import-icons", package(tmp_path, hostile), "--schema", schema).returncode == 0
    done = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert '<path d="M0 0&quot;&gt;&lt;script&gt;x" />' in breadcrumb(tmp_path / "out", "action")


# -- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("icons", "message"),
    [
        (
            {k: v for k, v in SEED_ICONS.items() if k != "zap"},
            "test-icons 0.0.1 has no icon 'zap', which the menus name",
        ),
        ({**SEED_ICONS, "zap": "<svg"}, "zap.svg: not XML: "),
        ({**SEED_ICONS, "zap": '<svg xmlns="http://www.w3.org/2000/svg"></svg>'}, "zap.svg: the icon draws nothing"),
        (
            {**SEED_ICONS, "zap": icon_file('<g><path d="M1 1" /></g>')},
            "zap.svg: <path> is nested in <g>: only flat drawings are supported",
        ),
        (
            {**SEED_ICONS, "zap": icon_file('<path d="M1 1" />').replace(' fill="none"', "")},
            "zap.svg: its <svg> attributes differ from the other icons'",
        ),
    ],
    ids=["missing", "not-xml", "empty", "nested", "other-attributes"],
)
def test_a_package_that_cannot_draw_the_menus_is_refused(
    tmp_path: Path, run_generator: RunGenerator, icons: dict[str, str], message: str
) -> None:
    schema = seed_copy(tmp_path)
    done = run_generator("import-icons", package(tmp_path, icons), "--schema", schema)
    assert done.returncode == 1
    assert message in done.stderr and "nothing was written" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (schema / "icons.yaml").exists()


def test_a_file_import_icons_did_not_write_is_left_alone(tmp_path: Path, run_generator: RunGenerator) -> None:
    schema = seed_copy(tmp_path)
    (schema / "icons.yaml").write_text("# mine\n", encoding="utf-8")
    done = run_generator("import-icons", package(tmp_path, SEED_ICONS), "--schema", schema)
    assert done.returncode == 1
    assert "icons.yaml: was not written by import-icons; move it away first" in done.stderr
    assert (schema / "icons.yaml").read_text(encoding="utf-8") == "# mine\n"
    not_a_package = run_generator("import-icons", tmp_path, "--schema", schema)
    assert not_a_package.returncode == 1
    assert "is not a Lucide package directory (no icons/ in it)" in not_a_package.stderr


def test_a_menu_icon_without_a_drawing_is_refused_at_its_place(tmp_path: Path, run_generator: RunGenerator) -> None:
    schema = seed_copy(tmp_path)
    assert run_generator("import-icons", package(tmp_path, SEED_ICONS), "--schema", schema).returncode == 0
    menus = (schema / "webui.yaml").read_text(encoding="utf-8")
    (schema / "webui.yaml").write_text(menus.replace("icon: zap", "icon: rocket"), encoding="utf-8")
    done = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert done.returncode == 1
    at = menus.index("icon: zap")
    line, column = 1 + menus[:at].count("\n"), at - menus.rindex("\n", 0, at)  # the menu item's `icon` key
    assert (
        f"schema/webui.yaml:{line}:{column}: icon 'rocket' has no drawing in the icons section (schema/icons.yaml); "
        "re-write it with `python -m generator import-icons` (make icons)"
    ) in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("icons:\n  svg: {}\n  drawings:\n    x: [{path: {d: 1}}]\n", "icons.yaml:4:"),
        (
            "icons:\n  svg: {}\n  drawings:\n    Bad_Name: [{path: {d: M0}}]\n",
            "icons.yaml:4:5: invalid icon name 'Bad_Name'",
        ),
        (
            "icons:\n  svg: {}\n  drawings:\n    x: [{'p a': {d: M0}}]\n",
            "icons.yaml:4:10: 'p a' is not an SVG element name",
        ),
        ("icons:\n  drawings: {}\n", "icons.yaml:1:1: 'svg' is required here"),
    ],
    ids=["number-value", "icon-name", "tag-name", "no-svg"],
)
def test_a_bad_icons_section_is_refused_at_its_place(
    tmp_path: Path, run_generator: RunGenerator, text: str, message: str
) -> None:
    schema = seed_copy(tmp_path)
    (schema / "icons.yaml").write_text(text, encoding="utf-8")
    done = run_generator("generate", "--schema", schema, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert f"schema/{message}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

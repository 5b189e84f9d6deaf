"""`import-icons`: the drawings of the icons a schema's WebUI menus name, read from a Lucide
package directory (npm's `lucide-static`: icons/<name>.svg and package.json), written as the
schema's `icons` section (icons.yaml), so that `generate` stays offline and deterministic.

Only what Lucide's files say is written: the attributes of the icons' `<svg>` element (bar its
own class and size, which the site sets) and each icon's elements with their attributes, in the
order written. An icon Lucide lacks, or a file of another shape, is an error naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..icons import menu_icons
from ..loader import load_file
from ..schema_loader import schema_files
from .source import ImportFailure, Problem
from .yaml_writer import Flow, dump

ICONS_FILE = "icons.yaml"
MARKER = "Drawings of the WebUI menus' icons"  # first words of the file written
OWN_ATTRIBUTES = ("class", "width", "height")  # the standalone file's; a page sets its own
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Svg:
    attributes: tuple[tuple[str, str], ...]
    elements: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


def parse_svg(path: Path) -> Svg:
    """One icon file: a root `<svg>` holding elements without children. expat keeps attribute order
    (xmlns included), which is the order a page writes them in."""
    stack: list[str] = []
    root: list[tuple[str, str]] = []
    elements: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def start(tag: str, attrs: list[str]) -> None:
        pairs = tuple(zip(attrs[::2], attrs[1::2], strict=True))
        if not stack and tag != "svg":
            raise ValueError(f"the root element is <{tag}>, not <svg>")
        if len(stack) == 1:
            elements.append((tag, pairs))
        elif len(stack) > 1:
            raise ValueError(f"<{tag}> is nested in <{stack[-1]}>: only flat drawings are supported")
        else:
            root.extend(pairs)
        stack.append(tag)

    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    try:
        parser.Parse(path.read_bytes(), True)
    except expat.ExpatError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if dict(root).get("xmlns") != SVG_NS:
        raise ValueError(f"the <svg> element does not declare xmlns={SVG_NS!r}")
    if not elements:
        raise ValueError("the icon draws nothing")
    return Svg(tuple((k, v) for k, v in root if k not in OWN_ATTRIBUTES), tuple(elements))


def wanted_icons(schema_dir: Path) -> list[str]:
    """The icons the schema's `webui` menus name, sorted."""
    names: set[str] = set()
    for path in schema_files(schema_dir):
        if path == schema_dir / ICONS_FILE:
            continue  # this command's own output: its menus are the other files'
        loaded, problems = load_file(path, path.relative_to(schema_dir).as_posix())
        if problems:
            raise ImportFailure([Problem(str(p.pos), p.message) for p in problems])
        webui = loaded.data.get("webui") if isinstance(loaded.data, dict) else None
        if isinstance(webui, dict):
            names.update(name for _, name in menu_icons(webui))
    return sorted(names)


def package_info(lucide_dir: Path) -> tuple[str, str]:
    """`lucide-static 1.28.0` and its licence, from the package's package.json."""
    try:
        meta = json.loads((lucide_dir / "package.json").read_text(encoding="utf-8"))
        return f"{meta['name']} {meta['version']}", str(meta.get("license", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImportFailure(
            [Problem(str(lucide_dir / "package.json"), f"not a package's package.json: {exc}")]
        ) from None


def icons_section(lucide_dir: Path, names: list[str]) -> dict[str, Any]:
    source, licence = package_info(lucide_dir)
    problems: list[Problem] = []
    drawings: dict[str, Any] = {}
    svg: tuple[tuple[str, str], ...] | None = None
    for name in names:
        path = lucide_dir / "icons" / f"{name}.svg"
        if not path.is_file():
            problems.append(Problem(str(path), f"{source} has no icon '{name}', which the menus name"))
            continue
        try:
            icon = parse_svg(path)
        except ValueError as exc:
            problems.append(Problem(str(path), str(exc)))
            continue
        if svg is None:
            svg = icon.attributes
        elif icon.attributes != svg:
            problems.append(Problem(str(path), f"its <svg> attributes differ from the other icons': {icon.attributes}"))
        drawings[name] = [{tag: Flow(dict(attrs))} for tag, attrs in icon.elements]
    if problems:
        raise ImportFailure(problems)
    section: dict[str, Any] = {"source": source}
    if licence:
        section["license"] = licence
    return {**section, "svg": dict(svg or ()), "drawings": drawings}


def header(source: str) -> tuple[str, ...]:
    return (
        f"{MARKER}, from {source} (Lucide, https://lucide.dev), written by",
        "`python -m generator import-icons` (`make icons`): the reference pages inline each icon as SVG.",
        "Do not edit: re-write it when the menus name another icon or the WebUI moves to another Lucide.",
    )


def import_icons(lucide_dir: Path, schema_dir: Path) -> tuple[Path, bool]:
    """Writes SCHEMA/icons.yaml; returns its path and whether it changed. A file of that name the
    command did not write is refused."""
    if not (lucide_dir / "icons").is_dir():
        raise ImportFailure([Problem(str(lucide_dir), "is not a Lucide package directory (no icons/ in it)")])
    if not schema_dir.is_dir():
        raise ImportFailure([Problem(str(schema_dir), "is not a directory")])
    section = icons_section(lucide_dir, wanted_icons(schema_dir))
    text = dump({"icons": section}, header(section["source"]))
    out = schema_dir / ICONS_FILE
    if out.is_file():
        current = out.read_text(encoding="utf-8", errors="replace")
        if not current.startswith(f"# {MARKER}"):
            raise ImportFailure([Problem(str(out), "was not written by import-icons; move it away first")])
        if current == text:
            return out, False
    out.write_text(text, encoding="utf-8", newline="\n")
    return out, True

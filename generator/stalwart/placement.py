"""Which file each definition goes to: an object's file holds the object, its views, and every
type and enum that only it uses; a type or enum used by several objects gets a file of its own
(types/ or enums/) holding everything that only it uses.

"Only it uses" is dominance in the reference graph (objects → types → types/enums): a definition
lives with its nearest dominator that has a file. One rule, no thresholds, stable as the schema grows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ..names import kebab

ROOT = ""  # a virtual node with an edge to every object


def _postorder(graph: Mapping[str, list[str]], start: str) -> list[str]:
    seen: set[str] = set()
    order: list[str] = []
    stack: list[tuple[str, Iterable[str]]] = [(start, iter(graph.get(start, ())))]
    seen.add(start)
    while stack:
        node, children = stack[-1]
        child = next((c for c in children if c not in seen), None)
        if child is None:
            stack.pop()
            order.append(node)
        else:
            seen.add(child)
            stack.append((child, iter(graph.get(child, ()))))
    return order


def dominators(graph: Mapping[str, list[str]], root: str) -> dict[str, str]:
    """Immediate dominators of the nodes reachable from `root` (Cooper, Harvey and Kennedy's
    iterative algorithm); the root dominates itself."""
    order = _postorder(graph, root)
    index = {node: i for i, node in enumerate(order)}
    preds: dict[str, list[str]] = {node: [] for node in order}
    for node in order:
        for child in graph.get(node, ()):
            preds[child].append(node)
    idom = {root: root}

    def intersect(a: str, b: str) -> str:
        while a != b:
            while index[a] < index[b]:
                a = idom[a]
            while index[b] < index[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node == root:
                continue
            done = [p for p in preds[node] if p in idom]
            new = done[0]
            for p in done[1:]:
                new = intersect(p, new)
            if idom.get(node) != new:
                idom[node] = new
                changed = True
    return idom


def place(
    objects: list[str], views: Mapping[str, str], types: list[str], enums: list[str], refs: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """File path → the definitions it holds, in order: the object and its views, then types and
    enums in first-reference order (depth first, as the fields list them)."""
    referenced = {target for targets in refs.values() for target in targets}
    orphans = [name for name in [*types, *enums] if name not in referenced]  # each heads its own file
    idom = dominators({ROOT: [*objects, *orphans], **refs}, ROOT)
    object_set, type_set = set(objects), set(types)

    def home(name: str) -> str:
        while name not in object_set and idom.get(name, ROOT) != ROOT:
            name = idom[name]
        return name

    files: dict[str, list[str]] = {}
    for owner in [*objects, *types, *enums]:
        if home(owner) != owner:
            continue
        folder = "objects" if owner in object_set else ("types" if owner in type_set else "enums")
        own_views = sorted(v for v, of in views.items() if of == owner)
        path = f"{folder}/{kebab(owner)}.yaml"
        while path in files:  # two names with one kebab-case form (FooBar, Foobar): keep both files
            path = path.removesuffix(".yaml") + "-2.yaml"
        files[path] = [owner, *own_views, *_members(refs, owner, home)]
    return dict(sorted(files.items()))


def _members(refs: Mapping[str, list[str]], owner: str, home: Callable[[str], str]) -> list[str]:
    """Preorder from the owner through the definitions that live with it (every path from the
    owner to one of them runs through such definitions only, by dominance)."""
    order: list[str] = []
    seen = {owner}
    stack = [iter(refs.get(owner, ()))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child not in seen and home(child) == owner:
            seen.add(child)
            order.append(child)
            stack.append(iter(refs.get(child, ())))
    return order

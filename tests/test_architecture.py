"""The house keeps its shape: imports run down the layers of docs/ARCHITECTURE.md, no module
imports itself back through a chain, and the doors stay doors.

Imports are read with `ast`, inside function bodies too; only those under `if TYPE_CHECKING:`
(annotations, never run) are left out.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("wsgi.py", "bot", "web", "cli", "services", "models", "sla")
DOORS = {"bot", "web", "cli"}
THIRD_PARTY_FOR_SLA = {"holidays"}


@dataclass(frozen=True)
class Import:
    importer: str     # module name
    imported: str     # module (or package) name, resolved
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for source in SOURCES:
        path = ROOT / source
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            found[_module_name(file)] = file
    return found


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(modules: dict[str, Path]) -> list[Import]:
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        hidden = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in hidden:
                continue
            if isinstance(node, ast.Import):
                edges += [Import(name, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node, name, path.name == "__init__.py")
                for alias in node.names:   # `from services.core import schema` is a module
                    sub = f"{target}.{alias.name}"
                    edges.append(Import(name, sub if sub in modules else target, node.lineno))
    return edges


def _layers() -> list[set[str]]:
    """The rooms of docs/ARCHITECTURE.md's `## Layers` block, top first."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    block = re.search(r"## Layers\s+```text\n(.*?)```", text, re.S)
    assert block, "docs/ARCHITECTURE.md has no ## Layers block"
    layers = []
    for line in block.group(1).splitlines():
        rooms = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        layers.append({room.strip() for room in rooms.split("|")})
    return layers


def _room(module: str, rooms: set[str]) -> str | None:
    """The longest room name that is the module or a package containing it."""
    best = None
    for room in rooms:
        if (module == room or module.startswith(room + ".")) and len(room) > len(best or ""):
            best = room
    return best


LAYERS = _layers()
RANK = {room: len(LAYERS) - i for i, layer in enumerate(LAYERS) for room in layer}
MODULES = _modules()
IMPORTS = _imports(MODULES)
OURS = [i for i in IMPORTS if _room(i.imported, set(RANK)) is not None]


def _where(edge: Import) -> str:
    return f"{MODULES[edge.importer].relative_to(ROOT)}:{edge.line} imports {edge.imported}"


def test_every_package_under_services_has_its_place_in_the_layers():
    packages = {f"services.{p.name}" for p in (ROOT / "services").iterdir()
                if (p / "__init__.py").exists()}
    modules = {f"services.{p.stem}" for p in (ROOT / "services").glob("*.py")
               if p.stem != "__init__"}
    assert (packages | modules) - set(RANK) == set(), "add them to docs/ARCHITECTURE.md"
    assert {r for r in RANK if r.startswith("services.")} - (packages | modules) == set()


def test_imports_run_down_the_layers_only():
    wrong = []
    for edge in OURS:
        here = _room(edge.importer, set(RANK))
        there = _room(edge.imported, set(RANK))
        if here is None or here == there:
            continue
        if RANK[there] >= RANK[here]:
            wrong.append(f"{_where(edge)} ({here} → {there}: not below it)")
    assert wrong == []


def test_only_the_composition_root_imports_the_bot():
    wrong = [_where(e) for e in OURS
             if _room(e.imported, set(RANK)) == "bot" and _room(e.importer, set(RANK)) != "bot"
             and e.importer != "wsgi"]
    assert wrong == []


@pytest.mark.parametrize("room", ["sla", "models", "services"])
def test_the_lower_rooms_import_nothing_above_them(room):
    above = {"bot", "web", "cli", "wsgi"} | ({"services"} if room != "services" else set())
    if room == "sla":
        above |= {"models"}
    wrong = [_where(e) for e in IMPORTS
             if _room(e.importer, {room}) and e.imported.split(".")[0] in above]
    assert wrong == []


def test_sla_needs_only_the_standard_library_and_holidays():
    allowed = set(sys.stdlib_module_names) | THIRD_PARTY_FOR_SLA | {"sla", "__future__"}
    wrong = [_where(e) for e in IMPORTS
             if _room(e.importer, {"sla"}) and e.imported.split(".")[0] not in allowed]
    assert wrong == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing
    itself (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges.get(node, ()):
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_module_imports_itself_back_through_a_chain():
    graph: dict[str, set[str]] = {}
    for edge in IMPORTS:
        target = edge.imported
        while target not in MODULES and "." in target:   # a name imported from a module
            target = target.rsplit(".", 1)[0]
        if target in MODULES and target != edge.importer and not MODULES[target].name == \
                "__init__.py":
            graph.setdefault(edge.importer, set()).add(target)
    assert _cycles(graph) == []


def test_the_check_itself_sees_a_circle_and_an_upward_import():
    """The detector is not vacuous: a made-up circle and a made-up upward arrow are caught."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert RANK["services.tickets"] > RANK["services.ledger"] > RANK["services.core"]
    assert len(OURS) > 300   # the parser found the house's imports

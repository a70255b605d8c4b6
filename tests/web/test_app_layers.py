"""The web apps depend on access, sealing and the core, never on each other in a circle.

The import graph is read from the source (every import, those inside functions too: an import
moved into a function to dodge a cycle is still a dependency), one node per app or top-level
module of reclaim.web. No Django and no database here.
"""

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import reclaim.web

WEB = Path(reclaim.web.__file__).parent
# What each base may import from reclaim.web: nothing else (only the core and Django).
BASES = {"access": {"sealing"}, "sealing": set()}
Graph = dict[str, set[str]]


def unit_of(web: Path, path: Path) -> str:
    """Return the app or top-level module of reclaim.web that ``path`` belongs to."""
    return path.relative_to(web).parts[0].removesuffix(".py")


def imported(path: Path, web: Path) -> set[str]:
    """Return the full names ``path`` imports, relative imports resolved, at any depth."""
    package = ["reclaim", "web", *path.relative_to(web).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # from x import app
    return names


def app_graph(web: Path) -> Graph:
    """Return which units of reclaim.web import which others."""
    graph: Graph = {}
    for path in sorted(web.rglob("*.py")):
        if path.parent == web and path.name == "__init__.py":
            continue
        source = unit_of(web, path)
        graph.setdefault(source, set())
        for name in imported(path, web):
            parts = name.split(".")
            if parts[:2] == ["reclaim", "web"] and len(parts) > 2 and parts[2] != source:
                graph[source].add(parts[2])
    units = {unit_of(web, path) for path in web.iterdir()}
    for source, targets in graph.items():
        graph[source] = targets & units  # not names imported from a module (reclaim.web.x.f)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Return the groups of units that reach each other (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            group.append(node)
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_apps_and_their_imports() -> None:
    graph = app_graph(WEB)
    assert {"access", "evidence", "removals", "protection", "worker", "sealing"} <= set(graph)
    assert "access" in graph["removals"] and "sealing" in graph["removals"]
    assert {"evidence", "removals", "protection"} <= graph["worker"]


def test_there_is_no_import_cycle_between_web_apps() -> None:
    assert cycles(app_graph(WEB)) == []


def test_access_and_sealing_import_no_feature_app() -> None:
    graph = app_graph(WEB)
    assert {base: graph[base] - allowed for base, allowed in BASES.items()} == {
        base: set() for base in BASES
    }


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    web = tmp_path / "web"
    for app in ("evidence", "removals"):
        (web / app).mkdir(parents=True)
        (web / app / "__init__.py").write_text("")
    (web / "removals" / "services.py").write_text("from reclaim.web.evidence import tasks\n")
    (web / "evidence" / "tasks.py").write_text(
        "def run():\n    from reclaim.web.removals.services import run_due\n"
    )
    assert cycles(app_graph(web)) == [["evidence", "removals"]]


def test_relative_imports_count_as_well(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "access").mkdir(parents=True)
    (web / "evidence").mkdir()
    (web / "access" / "views.py").write_text("from ..evidence import models\n")
    assert app_graph(web)["access"] == {"evidence"}

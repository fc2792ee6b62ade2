"""No import cycles between vegaops modules or packages.

The graph is built with ``ast`` from the source files, so it sees every import: at module level and inside
function bodies (a deferred import is still a dependency, it only moves the cost). Imports under
``if TYPE_CHECKING:`` are left out: they never run.

Two graphs are checked: modules (``vegaops.deploy.status`` -> ``vegaops.deploy.core``), and packages, where
each module counts as its package (``vegaops.deploy`` -> ``vegaops.steps``; a top-level module such as
``vegaops.config`` is its own node). A package's ``__init__`` importing its own submodules is not a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import vegaops

ROOT = Path(vegaops.__file__).resolve().parent
PACKAGE = "vegaops"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, skipping the bodies of ``if TYPE_CHECKING:`` (their ``else`` runs)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                # `from pkg import mod` names a module when pkg.mod is one; otherwise an attribute of pkg
                targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in modules else prefix for a in node.names]
            for imported in targets:
                target = imported
                while target and target not in modules:  # `import a.b.c` of an attribute: its nearest module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def package_of(module: str, modules: dict[str, Path]) -> str:
    return module if modules[module].name == "__init__.py" else module.rpartition(".")[0] or module


def package_graph(graph: dict[str, set[str]], modules: dict[str, Path]) -> dict[str, set[str]]:
    """Top-level modules are their own node; a module in a package counts as its package."""

    def node(m: str) -> str:
        parent = package_of(m, modules)
        return m if parent == PACKAGE else parent

    out: dict[str, set[str]] = {}
    for src, targets in graph.items():
        a = node(src)
        out.setdefault(a, set())
        for t in targets:
            b = node(t)
            if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
                out[a].add(b)
            elif a != b and a.startswith(b + ".") and modules[src].name != "__init__.py":
                out[a].add(b)  # a subpackage using its parent package's modules
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node, as a readable path."""
    return [_path_through(graph, comp) for comp in components(graph)]


def components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _path_through(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A shortest cycle from the component's first node back to itself (breadth first, inside the component)."""
    members, start = set(comp), comp[0]
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w not in parents:
                    parents[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _report(found: list[list[str]]) -> str:
    return "\n".join(" -> ".join(c) for c in found)


def test_no_module_import_cycles() -> None:
    modules = all_modules()
    found = cycles(import_graph(modules))
    assert not found, "import cycles between modules:\n" + _report(found)


def test_no_package_import_cycles() -> None:
    # the last ones were broken by moving code to where it belongs: the deploy pipeline is assembled in
    # vegaops.pipeline (deploy/ imports neither steps, runbook nor ci), the built-in sandbox env is
    # vegaops.builtin_env, the container chooser vegaops.images.containers, the tag keys vegaops.naming, image
    # push/promote through the engine vegaops.image_transfer
    modules = all_modules()
    graph = package_graph(import_graph(modules), modules)
    found = [_path_through(graph, sorted(c)) for c in components(graph)]
    assert not found, "import cycles between packages:\n" + _report(found)


def test_the_checker_finds_a_cycle_through_a_function_body_and_ignores_type_checking(tmp_path: Path) -> None:
    pkg = tmp_path / "vegaops"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from vegaops.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from .. import a\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vegaops import a\n")
    (pkg / "d.py").write_text("import vegaops.c\n")
    modules = {module_name_in(tmp_path, p): p for p in sorted(pkg.rglob("*.py"))}
    graph = import_graph(modules)
    assert graph["vegaops.c"] == set() and graph["vegaops.d"] == {"vegaops.c"}
    assert cycles(graph) == [["vegaops.a", "vegaops.sub.b", "vegaops.a"]]
    assert cycles(package_graph(graph, modules)) == [["vegaops.a", "vegaops.sub", "vegaops.a"]]


def module_name_in(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)

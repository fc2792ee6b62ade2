"""No module-level mutable state (issue 14 item 4): a run's state lives on its context, never in a module.

Read with ``ast``: a module-level list, dict or set is a constant table as long as nothing changes it after
import. The check fails when any module of the package changes one (item assignment or deletion, a mutating
method, ``global``), whichever module it lives in. Caches of immutable data are ``functools.cache`` functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vegaops

ROOT = Path(vegaops.__file__).resolve().parent
MUTATORS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "popitem",
    "clear",
    "add",
    "discard",
    "update",
    "setdefault",
    "sort",
    "reverse",
}
CONTAINERS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def module_containers(tree: ast.Module) -> set[str]:
    """Names bound at module level to a list, dict or set (display, comprehension or ``list()``/``dict()``...)."""
    names: set[str] = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        is_container = isinstance(value, CONTAINERS) or (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id in ("list", "dict", "set", "defaultdict", "OrderedDict", "deque")
        )
        if is_container:
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _base(node: ast.expr) -> str | None:
    """``X`` for ``X``, ``mod.X`` (the attribute name) -- what a mutation is applied to."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def mutations(tree: ast.AST, names: set[str], where: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Global):
            found += [f"{line}: global {n}" for n in node.names]
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                item = isinstance(target, ast.Subscript) and _base(target.value) in names
                if item or (isinstance(node, ast.AugAssign) and _base(target) in names):
                    found.append(f"{line}: {ast.unparse(target)} changed")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
            and _base(node.func.value) in names
        ):
            found.append(f"{line}: {ast.unparse(node.func)}(...)")
    return found


def _module_trees() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(ROOT.parent)): ast.parse(p.read_text(encoding="utf-8"), str(p))
        for p in sorted(ROOT.rglob("*.py"))
    }


def test_no_module_changes_a_module_level_container() -> None:
    trees = _module_trees()
    names: set[str] = set()
    for tree in trees.values():
        names |= module_containers(tree)
    # a local variable may share a module-level table's name; only names that are module-level tables count,
    # and only where the module's own table or an imported one is meant: `X[...] =` inside a function whose
    # local `X` shadows it is reported too (rename the local)
    found: list[str] = []
    for where, tree in trees.items():
        local = module_containers(tree)
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        found += mutations(tree, local | (imported & names), where)
    assert not found, "module-level state changed after import (keep it on the run's context):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "CURRENT: list[int] = []\ndef f(x):\n    CURRENT[:] = [x]",
        "ENDPOINTS: dict[str, str] = {}\ndef f(k, v):\n    ENDPOINTS[k] = v",
        "SEEN = set()\ndef f(x):\n    SEEN.add(x)",
        "N = 0\ndef f():\n    global N\n    N += 1",
    ],
)
def test_the_check_finds_module_state(source: str) -> None:
    tree = ast.parse(source)
    assert mutations(tree, module_containers(tree), "m.py")


def test_a_constant_table_read_in_functions_is_fine() -> None:
    tree = ast.parse("CODES = {'a': 1}\ndef f(k):\n    local = dict(CODES)\n    local[k] = 2\n    return CODES.get(k)")
    assert mutations(tree, module_containers(tree), "m.py") == []

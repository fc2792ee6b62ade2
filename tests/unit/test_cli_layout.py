"""``cli/`` mirrors the command tree: a command's code is found from its name in one step.

- ``vegaops config get`` lives in ``vegaops.cli.config.get``, ``vegaops status`` in ``vegaops.cli.status``; a
  Python keyword gets a trailing underscore (``import_``), and so does ``exec`` (a builtin ``app.py`` would shadow);
  ``-`` becomes ``_`` (``iam-policy`` -> ``iam_policy``). A group's own callback (``vegaops deploy --tag``)
  lives in the group's package under the group's name (``vegaops.cli.deploy.deploy``).
- A group's ``__init__`` only assembles: no function of its own.
- No cli module imports another command's module: only ``vegaops.cli.app`` imports the top-level commands
  and the groups, only a group's ``__init__`` imports its commands. What two commands share lives in a
  domain package outside ``cli/`` (``vegaops.values``, ``vegaops.stores``, ...), or is an option declaration
  in ``cli/common.py``.

The tree is the real one (``typer.main.get_command`` of ``vegaops.cli.app.app``); imports are read with ``ast``,
those inside functions included.
"""

from __future__ import annotations

import ast
import inspect
import keyword
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

import vegaops.cli
from vegaops.cli.app import app

CLI = Path(vegaops.cli.__file__).resolve().parent
PREFIX = "vegaops.cli"


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


def commands() -> list[tuple[tuple[str, ...], str, bool]]:
    """(path, module of its callback, is a group) for every command of the tree with a callback."""
    found = []
    for path, command in walk(typer.main.get_command(app)):
        if not path or command.callback is None:
            continue
        callback = inspect.unwrap(command.callback)
        found.append((path, callback.__module__, hasattr(command, "commands")))
    return found


def expected(path: tuple[str, ...], group: bool) -> set[str]:
    """The module names a command at ``path`` may live in."""
    words = [w.replace("-", "_") for w in path]
    if group:
        words.append(words[-1])
    base = ".".join([PREFIX, *words])
    return {base, base + "_"}


def module_name(file: Path) -> str:
    parts = list(file.relative_to(CLI.parent.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(file: Path) -> set[str]:
    """Every module name ``file`` may import (``from a import b`` counts as ``a`` and ``a.b``)."""
    tree = ast.parse(file.read_text(), str(file))
    package = module_name(file) if file.name == "__init__.py" else module_name(file).rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def test_the_tree_has_the_commands_it_is_known_for() -> None:
    """The walk sees the tree (a guard for the checks below: an empty walk would pass them)."""
    paths = {p for p, _, _ in commands()}
    assert {("config", "get"), ("secret", "set"), ("deploy",), ("deploy", "history"), ("status",), ("exec",)} <= paths


def test_every_command_lives_in_the_module_its_name_names() -> None:
    wrong = [
        f"vegaops {' '.join(path)}: {module} (expected {' or '.join(sorted(expected(path, group)))})"
        for path, module, group in commands()
        if module not in expected(path, group)
    ]
    assert not wrong, "\n".join(wrong)


def test_trailing_underscore_only_where_needed() -> None:
    """``exec_`` and ``import_`` because the plain name is a keyword or a builtin; ``get`` stays ``get``."""
    import builtins

    odd = [
        module
        for _, module, _ in commands()
        if module.endswith("_")
        and not (keyword.iskeyword(module.rpartition(".")[2][:-1]) or hasattr(builtins, module.rpartition(".")[2][:-1]))
    ]
    assert not odd, odd


def test_group_packages_only_assemble() -> None:
    functions = [
        f"{init.relative_to(CLI)}: def {node.name}"
        for init in CLI.glob("*/__init__.py")
        for node in ast.parse(init.read_text()).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert not functions, functions


def test_no_cli_module_imports_another_commands_module() -> None:
    found = commands()
    command_modules = {module for _, module, _ in found}
    groups = {f"{PREFIX}.{path[0].replace('-', '_')}" for path, _, group in found if group or len(path) > 1}
    bad = []
    for file in sorted(CLI.rglob("*.py")):
        importer = module_name(file)
        for target in imported(file):
            if target == importer or not target.startswith(PREFIX + "."):
                continue
            if target in groups:
                allowed = {f"{PREFIX}.app"}
            elif target in command_modules:
                parent = target.rpartition(".")[0]
                allowed = {f"{PREFIX}.app"} if parent == PREFIX else {parent}
            else:
                continue
            if importer not in allowed:
                bad.append(f"{file.relative_to(CLI)} imports {target}")
    assert not bad, "\n".join(bad)


PLUMBING = {f"{PREFIX}.{name}" for name in ("app", "argv", "common", "tree")} | {PREFIX}


def test_every_cli_module_is_a_command_a_group_or_the_plumbing() -> None:
    """A helper module under cli/ (``cli/secret/_shared.py``) would be shared code in the wrong place: it belongs
    in a domain package, where the commands of every group can reach it."""
    found = commands()
    known = PLUMBING | {module for _, module, _ in found}
    known |= {f"{PREFIX}.{path[0].replace('-', '_')}" for path, _, group in found if group or len(path) > 1}
    stray = sorted(module_name(f) for f in CLI.rglob("*.py") if module_name(f) not in known)
    assert not stray, stray

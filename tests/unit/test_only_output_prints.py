"""``output/`` is the only renderer (issue 14 item 4): nothing outside ``src/vegaops/output/`` prints, builds a rich
Console, imports rich or reaches for a console or the output's streams; and a command's ``Result`` is frozen.

The check reads every module with ``ast`` (imports inside function bodies included), so it sees what a grep would
miss (``from sys import stderr``, ``typer.secho``) and ignores what a grep would trip on (a URL with
``console.aws.amazon.com`` in a string).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import vegaops
from vegaops.output.result import Lines, Result

ROOT = Path(vegaops.__file__).resolve().parent
OUTPUT = ROOT / "output"

PRINTING_CALLS = {
    "print",
    "echo",
    "secho",
    "pprint",
    "print_exception",
    "print_exc",
    "print_stack",
    "print_tb",
    "Console",
}
STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}
# a console, or the streams and consoles Output keeps to itself
PRIVATE_ATTRIBUTES = {"console", "_out_console", "_err_console", "_stdout_stream", "_stderr_stream"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def violations(source: str, where: str) -> list[str]:
    """What in ``source`` prints or renders on its own, one ``where:line: what`` per finding."""
    found: list[str] = []
    stream_names: set[str] = set()  # `from sys import stdout as out`
    for node in ast.walk(ast.parse(source, where)):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] == "rich"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] == "rich":
                found.append(f"{line}: from {module} import ...")
            if module == "sys":
                stream_names |= {a.asname or a.name for a in node.names if a.name in STREAMS}
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            if name in PRINTING_CALLS:
                found.append(f"{line}: {ast.unparse(node.func)}(...)")
            elif name in ("write", "writelines") and isinstance(node.func, ast.Attribute):
                target = node.func.value
                on_sys = (
                    isinstance(target, ast.Attribute)
                    and target.attr in STREAMS
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "sys"
                )
                if on_sys or (isinstance(target, ast.Name) and target.id in stream_names):
                    found.append(f"{line}: {ast.unparse(node.func)}(...)")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"{line}: .{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in STREAMS and _name(node.value) == "output":
            found.append(f"{line}: {ast.unparse(node)}")  # the output's streams are its own
    return found


def test_nothing_outside_output_prints() -> None:
    found: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if OUTPUT in path.parents:
            continue
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parent)))
    assert not found, "printing outside vegaops.output (render through ctx.output instead):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "print('x')",
        "import sys\nsys.stderr.write('x')",
        "import sys\nsys.stdout.writelines(['x'])",
        "from sys import stderr as err\nerr.write('x')",
        "import typer\ntyper.echo('x')",
        "import typer\ntyper.secho('x')",
        "def f():\n    from rich.console import Console\n    return Console()",
        "import rich",
        "import traceback\ntraceback.print_exc()",
        "def f(view):\n    view.live.console.print('x')",
        "def f(ctx):\n    ctx.output._err_console().print('x')",
        "def f(ctx):\n    ctx.output._stdout_stream.write('x')",
        "def f(ctx):\n    ctx.output.stdout.write('x')",
    ],
)
def test_the_check_finds_each_way_of_printing(source: str) -> None:
    assert violations(source, "m.py")


def test_the_check_leaves_strings_files_and_output_calls_alone() -> None:
    source = (
        "def f(ctx, fh, url='https://eu-central-1.console.aws.amazon.com/ecs'):\n"
        "    fh.write('x')\n"
        "    ctx.output.info('print(x)')\n"
        "    ctx.output.lines().line('x')\n"
    )
    assert violations(source, "m.py") == []


def test_a_result_is_frozen() -> None:
    result = Result("config get", data={"name": "x"}, views=[Lines(["x"])])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.exit_code = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.message = "changed"  # type: ignore[misc]
    changed = dataclasses.replace(result, exit_code=5, status="failed")
    assert (result.exit_code, result.status) == (0, "ok") and (changed.exit_code, changed.status) == (5, "failed")


def test_a_results_sequences_are_read_only() -> None:
    """Its sequences are typed ``Sequence`` (mypy rejects ``.append``); the defaults are tuples, so even an
    untyped append on a result built without them fails at once instead of changing a shared default."""
    result = Result("secret list")
    for name in ("changes", "errors", "views"):
        assert not hasattr(getattr(result, name), "append"), name
    assert result.envelope()["changes"] == [] and result.envelope()["errors"] == []

"""Every vegaops command line in a message is rendered by vegaops.cmdline (issue 15 item 2): a literal
``vegaops deploy ...`` in a string would drop the --env/--config the user gave, and not paste."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "vegaops"
SCOPED = "deploy|debug|logs|status|health|rollback|secret|config|image|env|runbook|exec"
LITERAL = re.compile(rf"\bvegaops ({SCOPED})\b")
# strings that are not hints: descriptions stored in AWS or config help, and the sandbox's own lines
ALLOWED = {("deploy/core.py", "vegaops deploy lock for "), ("config.py", "vegaops health checks")}


def test_no_hint_spells_out_vegaops_by_hand() -> None:
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("sandbox/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
                continue
            if LITERAL.search(node.value) and not any(rel == f and s in node.value for f, s in ALLOWED):
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "use vegaops.cmdline.prog()/line() for these:\n" + "\n".join(found)

"""``vegaops runbook list`` and ``runbook validate``: the runbooks found, and one checked without calling AWS."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def runbook_list(a: AppContext) -> Result:
    """The runbooks found in ./runbooks, next to vegaops.toml, and shipped with vegaops."""
    from vegaops.errors import RunbookError
    from vegaops.output.result import Result, Table
    from vegaops.runbook.model import load, search_dirs

    rows: list[list[object]] = []
    seen: set[str] = set()
    for directory in search_dirs(a.cwd, a.config.path):
        for path in sorted(directory.glob("*.toml")):
            if path.stem in seen:
                continue
            seen.add(path.stem)
            try:
                book = load(str(path), a.cwd, a.config.path)
                rows.append([path.stem, len(book.steps), book.description, str(path)])
            except RunbookError as exc:
                rows.append([path.stem, "-", f"INVALID: {exc.message}", str(path)])
    data = [dict(zip(["name", "steps", "description", "path"], r, strict=True)) for r in rows]
    return Result(
        a.command,
        data={"runbooks": data},
        views=[Table(["NAME", "STEPS", "DESCRIPTION", "PATH"], rows)],
        message=None if rows else "no runbooks found",
    )


def runbook_validate(a: AppContext, name: str) -> Result:
    """A runbook checked (steps, parameters, variables, references) without calling AWS."""
    from vegaops.output.result import Result
    from vegaops.runbook.model import load

    book = load(name, a.cwd, a.config.path)
    return Result(
        a.command,
        data={
            "runbook": book.name,
            "path": str(book.path),
            "steps": [s.id for s in book.steps],
            "vars": list(book.vars),
        },
        message=f"{book.path}: valid ({len(book.steps)} steps)",
    )

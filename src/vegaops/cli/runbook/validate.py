"""``vegaops runbook validate``: check a runbook without calling AWS."""

from __future__ import annotations

import typer

from vegaops.cli.common import (
    NameArg,
    app_ctx,
    emit,
)


def validate(ctx: typer.Context, name: NameArg) -> None:
    """Check a runbook (steps, parameters, variables, references) without calling AWS."""
    from vegaops.output.result import Result
    from vegaops.runbook.model import load

    a = app_ctx(ctx)
    book = load(name, a.cwd, a.config.path)
    emit(
        a,
        Result(
            a.command,
            data={
                "runbook": book.name,
                "path": str(book.path),
                "steps": [s.id for s in book.steps],
                "vars": list(book.vars),
            },
            message=f"{book.path}: valid ({len(book.steps)} steps)",
        ),
    )

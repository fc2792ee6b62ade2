"""``vegaops runbook list``: the runbooks found and shipped."""

from __future__ import annotations

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def list_(ctx: typer.Context) -> None:
    """List the runbooks found in ./runbooks, next to vegaops.toml, and shipped with vegaops."""
    from vegaops.errors import RunbookError
    from vegaops.output.result import Result, Table
    from vegaops.runbook.model import load, search_dirs

    a = app_ctx(ctx)
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
    emit(
        a,
        Result(
            a.command,
            data={"runbooks": data},
            views=[Table(["NAME", "STEPS", "DESCRIPTION", "PATH"], rows)],
            message=None if rows else "no runbooks found",
        ),
    )

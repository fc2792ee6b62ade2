"""``vegaops config list``: the parameters under a path."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.values.masking import shown


def list_(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="Path (default: the environment's prefix).")] = None,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Include sub-paths.")] = False,
    values: Annotated[bool, typer.Option("--values", help="Show values (SecureString masked).")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="With --values: show SecureString values.")] = False,
) -> None:
    """List parameters under a path (paginated)."""
    from vegaops.aws.ssm import Ssm
    from vegaops.naming import param_path, relative
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    prefix = a.settings.params_prefix
    full = param_path(prefix, path)
    params = sorted(Ssm(a.client("ssm")).by_path(full, recursive, decrypt=values), key=lambda p: p.name)
    columns = ["NAME", "TYPE", "VERSION", "LAST MODIFIED"] + (["VALUE"] if values else [])
    rows = []
    data = []
    for p in params:
        row: list[object] = [relative(prefix, p.name), p.type, p.version, p.last_modified]
        item = {"name": p.name, "type": p.type, "version": p.version, "last_modified": p.last_modified}
        if values:
            row.append(shown(p, reveal))
            item["value"] = shown(p, reveal)
        rows.append(row)
        data.append(item)
    message = None if rows else f"no parameters under {full}"
    emit(
        a,
        Result(
            a.command,
            data={"path": full, "parameters": data},
            views=[Table(columns, rows)] if rows else [],
            message=message,
        ),
    )

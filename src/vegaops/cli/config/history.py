"""``vegaops config history``: a parameter's versions, who changed it and when."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError
from vegaops.values.masking import shown


def history(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
) -> None:
    """The parameter's versions: who changed it and when (SecureString values masked)."""
    from vegaops.aws.ssm import Ssm
    from vegaops.naming import param_name
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    full = param_name(a.settings.params_prefix, name)
    versions = Ssm(a.client("ssm")).history(full, decrypt=True)
    if not versions:
        raise NotFoundError(f"parameter {full} not found", hint=f"list what exists: {prog()} config list")
    from vegaops.output.humanize import who

    verbose = bool(a.output.verbose)
    rows = [  # WHO: the principal's short name (the full ARN in JSON and with -v)
        [p.version, p.last_modified, p.modified_by if verbose else who(p.modified_by), p.type, shown(p, False)]
        for p in reversed(versions)
    ]
    for row, p in zip(rows, reversed(versions), strict=True):
        row.append(list(p.labels))
    data = [
        {
            "version": p.version,
            "last_modified": p.last_modified,
            "modified_by": p.modified_by,
            "type": p.type,
            "value": shown(p, False),
            "labels": list(p.labels),
        }
        for p in reversed(versions)
    ]
    emit(
        a,
        Result(
            a.command,
            data={"name": full, "versions": data},
            views=[Table(["VERSION", "WHEN", "WHO", "TYPE", "VALUE", "LABELS"], rows)],
        ),
    )

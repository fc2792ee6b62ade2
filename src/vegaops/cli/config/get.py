"""``vegaops config get``: one parameter; SecureString values masked unless --reveal."""

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


def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value alone (SecureString too).")] = False,
    version: Annotated[int | None, typer.Option("--version", help="A specific version.")] = None,
) -> None:
    """Show a parameter; SecureString values stay masked unless --reveal."""
    from vegaops.aws.ssm import Ssm
    from vegaops.naming import param_name
    from vegaops.output.result import Fields, Result, Reveal

    a = app_ctx(ctx)
    full = param_name(a.settings.params_prefix, name)
    selector = f"{full}:{version}" if version is not None else full
    p = Ssm(a.client("ssm")).get(selector, decrypt=True)
    if p is None:
        raise NotFoundError(f"parameter {selector} not found", hint=f"list what exists: {prog()} config list")
    data = {
        "name": p.name,
        "type": p.type,
        "version": p.version,
        "last_modified": p.last_modified,
        "value": shown(p, reveal),
    }
    if reveal:
        views: list[object] = [Reveal(p.value or "")]
    else:
        views = [
            Fields(
                [
                    ("name", p.name),
                    ("type", p.type),
                    ("version", p.version),
                    ("last modified", p.last_modified),
                    ("value", shown(p, False)),
                ]
            )
        ]
    emit(a, Result(a.command, data=data, views=views))  # type: ignore[arg-type]

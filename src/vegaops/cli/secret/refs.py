"""``vegaops secret refs``: the task definitions and services that read a secret (or a parameter)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, WatchOpt, app_ctx, emit


def refs_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="Secret name (or parameter name with --param).", autocompletion=completion.secret_names),
    ],
    param: Annotated[bool, typer.Option("--param", help="NAME is an SSM parameter.")] = False,
    repoint: Annotated[
        bool,
        typer.Option(
            "--repoint",
            help="Re-register task definitions that name the secret by an old ARN (deleted and recreated) "
            "with valueFrom pointing at its current ARN, and deploy them.",
        ),
    ] = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Task definitions and services that reference the secret (secrets and log drivers' secretOptions, by
    ARN, partial ARN or name), running tasks that predate its last change, and references by an old ARN."""
    from vegaops.values.secrets import secret_refs

    a = app_ctx(ctx, dry_run)
    emit(a, secret_refs(a, name, param, repoint, watch))

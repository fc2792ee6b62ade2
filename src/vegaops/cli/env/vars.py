"""``vegaops env vars``: every variable a service's task definition gives its containers, and whether it resolves."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import KeysOpt, app_ctx, emit


def vars_(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Argument(help="Service (vegaops.toml name or ECS name); default: all.")
    ] = None,
    keys: KeysOpt = False,
) -> None:
    """Every variable the service's live task definition gives its containers (every container, grouped:
    environment, environment files, secrets, log drivers' secretOptions), where each comes from and whether
    it resolves (SSM and Secrets Manager valueFrom in every form, JSON keys, stale ARNs). Never values."""
    from vegaops.values.variables import service_variables

    a = app_ctx(ctx)
    emit(a, service_variables(a, service, keys))

"""``vegaops secret list``: secrets under a prefix with the services that read them."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Argument(help="Name prefix, relative to the secrets prefix.")] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include secrets scheduled for deletion.")] = False,
    refs: Annotated[bool, typer.Option("--refs/--no-refs", help="Show the services that reference each.")] = True,
) -> None:
    """List secrets (paginated): name, last changed, version count, referencing services."""
    from vegaops.values.secrets import secret_list

    a = app_ctx(ctx)
    emit(a, secret_list(a, prefix, deleted, refs))

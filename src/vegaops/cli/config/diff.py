"""``vegaops config diff``: two environments' parameters compared by fingerprint, never by value."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def diff(
    ctx: typer.Context,
    env_a: Annotated[str, typer.Argument(help="First environment.")],
    env_b: Annotated[str, typer.Argument(help="Second environment.")],
    path: Annotated[str | None, typer.Option("--path", help="Only names under this sub-path.")] = None,
) -> None:
    """Compare the parameters of two environments: key sets and value fingerprints, never values."""
    from vegaops.stores import for_env, param_values
    from vegaops.values.diff import diff_result

    a = app_ctx(ctx)
    emit(
        a,
        diff_result(
            a.command, env_a, env_b, param_values(for_env(a, env_a), path), param_values(for_env(a, env_b), path)
        ),
    )

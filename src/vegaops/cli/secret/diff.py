"""``vegaops secret diff``: two environments' secrets compared by fingerprint, never by value."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def diff(
    ctx: typer.Context,
    env_a: Annotated[str, typer.Argument(help="First environment.")],
    env_b: Annotated[str, typer.Argument(help="Second environment.")],
    prefix: Annotated[str | None, typer.Option("--prefix", help="Only names under this prefix.")] = None,
) -> None:
    """Compare the secrets of two environments: key sets and value fingerprints, never values."""
    from vegaops.stores import for_env, secret_values
    from vegaops.values.diff import diff_result

    a = app_ctx(ctx)
    emit(
        a,
        diff_result(
            a.command, env_a, env_b, secret_values(for_env(a, env_a), prefix), secret_values(for_env(a, env_b), prefix)
        ),
    )

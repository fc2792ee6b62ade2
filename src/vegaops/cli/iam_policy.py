"""``vegaops iam-policy [COMMAND...] [--all] [--required-only]``: the least-privilege IAM policy, pasteable."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def iam_policy(
    ctx: typer.Context,
    commands: Annotated[
        list[str] | None,
        typer.Argument(help="Commands, e.g. deploy, 'deploy history', status, debug (see --list)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="One policy for every command.")] = False,
    required_only: Annotated[
        bool, typer.Option("--required-only", help="Only what the commands cannot do without.")
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the commands and what each optional action adds.")] = (
        False
    ),
) -> None:
    """Print the IAM policy a role needs to run vegaops commands (JSON you can paste into IAM)."""
    from vegaops.iam import policy_result

    a = app_ctx(ctx)
    emit(a, policy_result(a, list(commands or []), all_, required_only, list_))

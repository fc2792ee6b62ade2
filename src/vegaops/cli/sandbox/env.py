"""``vegaops sandbox env``: export lines pointing other tools at the sandbox."""

from __future__ import annotations

import shlex

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def env(ctx: typer.Context) -> None:
    """Print export lines that point the aws cli and boto3 scripts at the sandbox."""
    from vegaops.output.result import Result, Reveal
    from vegaops.sandbox.env import env_vars
    from vegaops.sandbox.state import running_state

    a = app_ctx(ctx)
    state = running_state()
    variables = env_vars(state.endpoint)
    lines = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in variables.items())
    emit(a, Result(a.command, data={"env": variables}, views=[Reveal(lines)]))

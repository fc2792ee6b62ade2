"""``vegaops exec``: run a command with the environment's secrets and config as environment variables.

Nothing is written anywhere: the values go only into the child's environment.
"""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import KeysOpt, app_ctx
from vegaops.cmdline import prog
from vegaops.errors import UsageError


def exec_(
    ctx: typer.Context,
    command: Annotated[list[str], typer.Argument(help="The command and its arguments (after --).")],
    service: Annotated[
        str | None, typer.Option("--service", "-s", help="Exactly what this service's task definition receives.")
    ] = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", "-p", help="Secrets and config under this prefix (default: all).")
    ] = None,
    pristine: Annotated[bool, typer.Option("--pristine", help="Only the injected variables (no parent env).")] = False,
    keys: KeysOpt = False,
) -> None:
    """Run CMD with the environment's secrets and config as variables (names upper-snake-cased); writes nothing."""
    from vegaops.values.environment import prefix_env, run_with_env, service_env

    if service and prefix:
        raise UsageError("--service and --prefix exclude each other", hint="pass one of them")
    if not command:
        raise UsageError("no command to run", hint=f"{prog()} exec -- CMD ARGS...")
    a = app_ctx(ctx)
    injected = service_env(a, service, keys) if service else prefix_env(a, prefix, keys)
    raise typer.Exit(run_with_env(a, command, injected, pristine))

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
    import os
    import shutil
    import subprocess

    from vegaops.stores import as_env, param_values, secret_values

    if service and prefix:
        raise UsageError("--service and --prefix exclude each other", hint="pass one of them")
    if not command:
        raise UsageError("no command to run", hint=f"{prog()} exec -- CMD ARGS...")
    a = app_ctx(ctx)
    if service:
        from vegaops.values.environment import service_env

        injected = service_env(a, service, keys)
    else:
        tagged: set[str] = set()
        secrets = secret_values(a, prefix, tagged)
        merged = {**param_values(a, prefix), **secrets}  # a secret wins over a same-named param
        expand = set(secrets) if keys else tagged  # JSON secrets only: parameters stay whole
        injected = {k: v.value for k, v in as_env(merged, expand).items()}
    program = shutil.which(command[0], path=os.environ.get("PATH")) or command[0]
    env = dict(injected) if pristine else {**os.environ, **injected}
    a.output.debug(f"exec: {len(injected)} variables injected: {', '.join(sorted(injected))}")
    try:
        rc = subprocess.call([program, *command[1:]], env=env)
    except FileNotFoundError:
        raise UsageError(f"exec: command not found: {command[0]}") from None
    raise typer.Exit(rc if rc >= 0 else 128 - rc)

"""``vegaops secret export``: secrets as environment variables (dotenv, json, env), to a pipe or a 0600 file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from vegaops.cli.common import (
    KeysOpt,
    app_ctx,
    emit,
)
from vegaops.errors import UsageError


def export(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Argument(help="Name prefix, relative to the secrets prefix.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="dotenv, json or env (export KEY=...).")] = "dotenv",
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Write to this file (created 0600, replaced atomically; never a symlink)."),
    ] = None,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Allow printing the values to a terminal (pipes and files need not).")
    ] = False,
    keys: KeysOpt = False,
) -> None:
    """Print secrets as environment variables (names upper-snake-cased from the key). Reveals values.
    A JSON secret becomes one variable per key with --keys, or when tagged vegaops:env-keys=true.

    On a terminal the values are printed only with --reveal; with -o json the output is the envelope
    (values under data.variables).
    """
    from vegaops import dotenv
    from vegaops.output.result import Result
    from vegaops.paths import check_private_target, write_private
    from vegaops.stores import as_env, secret_values

    renderers = {"dotenv": dotenv.render, "json": dotenv.render_json, "env": dotenv.render_env}
    if fmt not in renderers:
        raise UsageError(f"--format {fmt}: expected dotenv, json or env")
    if to is not None:
        from vegaops.inputs import check_output_file

        check_output_file(to, "--to")
    a = app_ctx(ctx)
    if to is not None:
        check_private_target(to, "--to")  # before any AWS call
    elif not reveal and _is_terminal(a.output.stdout):
        raise UsageError(
            "secret export: refusing to print secret values to a terminal",
            hint="pass --reveal to print them, --to FILE to write a 0600 file, or pipe the output",
        )
    tagged: set[str] = set()
    found = secret_values(a, prefix, tagged)
    values = {k: v.value for k, v in as_env(found, True if keys else tagged).items()}
    if to is None:
        if a.output.json:
            emit(a, Result(a.command, data={"format": fmt, "count": len(values), "variables": values}, views=[]))
            return
        a.output.stdout.write(renderers[fmt](values))
        a.output.stdout.flush()
        return
    write_private(to, renderers[fmt](values), "--to")
    emit(
        a,
        Result(
            a.command,
            data={"file": str(to), "count": len(values), "names": sorted(values)},
            views=[],
            message=f"wrote {len(values)} variable{'s' if len(values) != 1 else ''} to {to} (mode 0600)",
        ),
    )


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False

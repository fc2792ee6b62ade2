"""``vegaops secret export``: secrets as environment variables (dotenv, json, env), to a pipe or a 0600 file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vegaops.cli.common import KeysOpt, app_ctx, emit
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
    from vegaops.values.export import FORMATS, export_secrets

    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected dotenv, json or env")
    if to is not None:
        from vegaops.inputs import check_output_file

        check_output_file(to, "--to")
    a = app_ctx(ctx)
    result = export_secrets(a, prefix, fmt, to, reveal, keys)
    if result is not None:
        emit(a, result)

"""``vegaops config import``: parameters from a dotenv or JSON file, one plan and one question."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result


def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A dotenv or JSON file of names to values.")],
    secure: Annotated[bool, typer.Option("--secure", help="Store new and updated values as SecureString.")] = False,
    keep_names: Annotated[
        bool, typer.Option("--keep-names", help="Use keys as names (no LOG_LEVEL -> log-level).")
    ] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Create or update parameters from a file; unchanged keys write nothing. UPPER_SNAKE keys become kebab."""
    from vegaops.runbook import engine
    from vegaops.steps.ssm import PutParameter, PutParams
    from vegaops.values.importing import import_file

    a = app_ctx(ctx, dry_run)
    report, keys = import_file(
        a,
        Path(file),
        keep_names,
        lambda n, v: engine.single(PutParameter, PutParams(name=n, value=v, secure=secure), call_id=f"param {n}"),
        "config",
    )
    emit(a, run_result(a, report, data={"file": str(Path(file)), "keys": keys}))

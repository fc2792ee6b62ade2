"""``vegaops secret import``: secrets from a dotenv or JSON file, one plan and one question."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A dotenv or JSON file of names to values.")],
    keep_names: Annotated[bool, typer.Option("--keep-names", help="Use keys as names (no DB_URL -> db-url).")] = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Create or update secrets from a file; unchanged keys write nothing. UPPER_SNAKE keys become kebab names."""
    from vegaops.runbook import engine
    from vegaops.steps.secrets import PutSecret, PutSecretParams
    from vegaops.values.importing import import_file

    a = app_ctx(ctx, dry_run)
    report, keys = import_file(
        a,
        file,
        keep_names,
        lambda n, v: engine.single(PutSecret, PutSecretParams(name=n, value=v), call_id=f"secret {n}"),
        "secret",
    )
    emit(a, run_result(a, report, data={"file": str(file), "keys": keys}))

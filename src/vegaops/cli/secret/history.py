"""``vegaops secret history``: a secret's versions, stages and dates (never values)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError


def history(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
) -> None:
    """The secret's versions with their stages and dates (never values)."""
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.naming import secret_name
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    full = secret_name(a.settings.secrets_prefix, name)
    store = SecretsCatalog(a.client("secretsmanager"))
    if store.describe(full) is None:
        raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
    versions = store.versions(full)
    rows = [[v.version_id, ", ".join(v.stages) or "-", v.created] for v in versions]
    data = [{"version": v.version_id, "stages": list(v.stages), "created": v.created} for v in versions]
    emit(
        a,
        Result(a.command, data={"name": full, "versions": data}, views=[Table(["VERSION", "STAGES", "CREATED"], rows)]),
    )

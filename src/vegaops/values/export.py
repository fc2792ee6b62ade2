"""``vegaops secret export``: secrets as environment variables (dotenv, json, env) on stdout or in a 0600 file.
Values leave the store here (and in ``vegaops exec``) only; a terminal gets them only with ``--reveal``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


FORMATS = ("dotenv", "json", "env")


def export_secrets(
    a: AppContext, prefix: str | None, fmt: str, to: Path | None, reveal: bool, keys: bool
) -> Result | None:
    """The secrets under ``prefix`` as environment variables: written to ``to`` (0600), printed on the output's stdout
    (None is returned then), or as the JSON envelope."""
    from vegaops import dotenv
    from vegaops.output.result import Result
    from vegaops.paths import check_private_target, write_private
    from vegaops.stores import as_env, secret_values

    renderers = {"dotenv": dotenv.render, "json": dotenv.render_json, "env": dotenv.render_env}
    if to is not None:
        check_private_target(to, "--to")  # before any AWS call
    elif not reveal and a.output.stdout_isatty:
        raise UsageError(
            "secret export: refusing to print secret values to a terminal",
            hint="pass --reveal to print them, --to FILE to write a 0600 file, or pipe the output",
        )
    tagged: set[str] = set()
    found = secret_values(a, prefix, tagged)
    values = {k: v.value for k, v in as_env(found, True if keys else tagged).items()}
    if to is None:
        if a.output.json:
            return Result(a.command, data={"format": fmt, "count": len(values), "variables": values}, views=[])
        a.output.text(renderers[fmt](values))
        return None
    write_private(to, renderers[fmt](values), "--to")
    return Result(
        a.command,
        data={"file": str(to), "count": len(values), "names": sorted(values)},
        views=[],
        message=f"wrote {len(values)} variable{'s' if len(values) != 1 else ''} to {to} (mode 0600)",
    )

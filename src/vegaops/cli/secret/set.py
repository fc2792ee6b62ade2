"""``vegaops secret set``: create or update a secret, from stdin, a file or a hidden prompt."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, RedeployOpt, WatchOpt, app_ctx, emit
from vegaops.cmdline import prog
from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext


def read_secret_value(a: AppContext, name: str, value: str | None, value_arg: bool, from_file: Path | None) -> str:
    """stdin (piped or '-'), --from-file, a hidden prompt with confirmation; argv only with --value-arg."""
    from vegaops.inputs import check_value, read_value

    if value is not None and value != "-":
        if not value_arg:
            raise UsageError(
                f"secret set {name}: refusing a value on the command line (it would land in shell history "
                "and the process list)",
                hint=f"pipe it: ... | {prog()} secret set {name}, use --from-file PATH, or pass --value-arg",
            )
        a.output.warn("the value was given on the command line; it may be in your shell history")
        return check_value(value, f"secret set {name}")
    if from_file is not None:
        return read_value(from_file, f"secret set {name}")
    if value == "-" or not sys.stdin.isatty():
        return read_value("-", f"secret set {name}")
    return check_value(
        a.ask().secret(f"Value for secret {name}:", option="the value on stdin or --from-file", confirm=True),
        f"secret set {name}",
        "the prompt",
    )


def set_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Secret name, relative to the secrets prefix unless it starts with /.",
            autocompletion=completion.secret_names,
        ),
    ],
    value: Annotated[
        str | None, typer.Argument(help="Refused unless --value-arg; '-' or omitted reads stdin.", show_default=False)
    ] = None,
    from_file: Annotated[Path | None, typer.Option("--from-file", help="Read the value from this file.")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="Set one field of a JSON secret, keeping the others.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="Secret description.")] = None,
    kms_key: Annotated[str | None, typer.Option("--kms-key", help="KMS key id/ARN (on create).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="KEY=VALUE tag (repeatable).")] = None,
    value_arg: Annotated[bool, typer.Option("--value-arg", help="Allow the value on the command line.")] = False,
    redeploy_: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Create or update a secret; an unchanged value writes no new version."""
    from vegaops.inputs import parse_pairs
    from vegaops.steps.secrets import PutSecretParams
    from vegaops.values.secrets import secret_set

    a = app_ctx(ctx, dry_run)
    tags = parse_pairs(tag, "--tag")
    text = read_secret_value(a, name, value, value_arg, from_file)
    params = PutSecretParams(name=name, value=text, key=key, description=description, kms_key=kms_key, tags=tags)
    emit(a, secret_set(a, params, redeploy_, watch))

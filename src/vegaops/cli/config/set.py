"""``vegaops config set``: create or update a parameter (argv, stdin or a prompt)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, RedeployOpt, WatchOpt, app_ctx, emit
from vegaops.cmdline import prog
from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext


def read_value(a: AppContext, value: str | None, secure: bool, value_arg: bool, name: str) -> str:
    """The value from argv (plain only), stdin (``-`` or piped) or a prompt."""
    from vegaops.inputs import check_value, read_value

    if value is not None and value != "-":
        if secure and not value_arg:
            raise UsageError(
                f"config set {name}: refusing a SecureString value on the command line (it would land in "
                "shell history and the process list)",
                hint=f"pipe it on stdin: ... | {prog()} config set NAME - --secure, or pass --value-arg",
            )
        if secure:
            a.output.warn("the value was given on the command line; it may be in your shell history")
        return check_value(value, f"config set {name}")
    if value == "-" or not sys.stdin.isatty():
        return read_value("-", f"config set {name}", "pipe a value in, or pass it as an argument")
    prompter = a.ask()
    if secure:
        return check_value(prompter.secret(f"Value for {name}:", option="VALUE on stdin"), f"config set {name}")
    return check_value(prompter.text(f"Value for {name}:", option="VALUE"), f"config set {name}", "the prompt")


def set_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Name, relative to the params prefix unless it starts with /.",
            autocompletion=completion.parameter_names,
        ),
    ],
    value: Annotated[str | None, typer.Argument(help="Value; '-' or omitted reads stdin.")] = None,
    secure: Annotated[bool, typer.Option("--secure", help="Store as SecureString.")] = False,
    kms_key: Annotated[str | None, typer.Option("--kms-key", help="KMS key for SecureString.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Parameter description.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="KEY=VALUE tag (repeatable).")] = None,
    value_arg: Annotated[bool, typer.Option("--value-arg", help="Allow a SecureString value on argv.")] = False,
    redeploy: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Create or update a parameter; an unchanged value writes nothing (no new version)."""
    from vegaops.inputs import parse_pairs
    from vegaops.steps.ssm import PutParams
    from vegaops.values.params import param_set

    a = app_ctx(ctx, dry_run)
    tags = parse_pairs(tag, "--tag")
    text = read_value(a, value, secure, value_arg, name)
    params = PutParams(name=name, value=text, secure=secure, kms_key=kms_key, description=description, tags=tags)
    emit(a, param_set(a, params, redeploy, watch))

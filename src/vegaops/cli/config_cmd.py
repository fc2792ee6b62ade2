"""``vegaops config``: SSM Parameter Store, names relative to the environment's params prefix."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, RedeployOpt, WatchOpt, app_ctx, emit, parse_pairs, run_result
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from vegaops.aws.ssm import Parameter
    from vegaops.context import AppContext

app = typer.Typer(
    rich_markup_mode=None,
    help="Configuration in SSM Parameter Store (set, get, list, delete, history, rollback).",
    no_args_is_help=True,
)


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


def _ssm(a: AppContext):  # type: ignore[no-untyped-def]
    from vegaops.aws.ssm import Ssm

    return Ssm(a.client("ssm"))


def _shown(p: Parameter, reveal: bool) -> object:
    from vegaops.sensitive import Sensitive

    if p.value is None:
        return None
    return Sensitive(p.value) if p.secure and not reveal else p.value


@app.command("set")
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
    from vegaops.runbook import engine
    from vegaops.steps.ssm import PutParameter, PutParams

    a = app_ctx(ctx, dry_run)
    tags = parse_pairs(tag, "--tag")
    text = read_value(a, value, secure, value_arg, name)
    params = PutParams(name=name, value=text, secure=secure, kms_key=kms_key, description=description, tags=tags)
    from vegaops.cli.secret_cmd import now_iso

    after = now_iso(a)
    then: list[str] = []
    readers: list[str] | None = None
    if redeploy:  # the redeploy belongs to this command's one plan and one question
        from vegaops.cli.secret_cmd import redeploy_services, redeploy_then
        from vegaops.naming import param_name
        from vegaops.refs import param_matcher

        full = param_name(a.settings.params_prefix, name)
        readers = redeploy_services(a, param_matcher(full))
        then = redeploy_then(a, full, readers, watch)
    report = engine.run(a, a.command, [engine.single(PutParameter, params)], then=then)
    extra: dict[str, object] = {}
    if redeploy and (report.changed or report.dry_run):
        from vegaops.cli.secret_cmd import redeploy as force_redeploy
        from vegaops.naming import param_name
        from vegaops.refs import param_matcher

        full = param_name(a.settings.params_prefix, name)
        extra["redeploy"] = force_redeploy(a, param_matcher(full), after, full, watch, services=readers, confirmed=True)
    elif redeploy:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed and a.settings.cluster:
        from vegaops.cli.secret_cmd import needs_redeploy
        from vegaops.naming import param_name
        from vegaops.refs import param_matcher

        extra["needs_redeploy"] = needs_redeploy(a, param_matcher(param_name(a.settings.params_prefix, name)))
    emit(a, run_result(a, report, data=extra))


@app.command("get")
def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value alone (SecureString too).")] = False,
    version: Annotated[int | None, typer.Option("--version", help="A specific version.")] = None,
) -> None:
    """Show a parameter; SecureString values stay masked unless --reveal."""
    from vegaops.naming import param_name
    from vegaops.output.result import Fields, Result, Reveal

    a = app_ctx(ctx)
    full = param_name(a.settings.params_prefix, name)
    selector = f"{full}:{version}" if version is not None else full
    p = _ssm(a).get(selector, decrypt=True)
    if p is None:
        raise NotFoundError(f"parameter {selector} not found", hint=f"list what exists: {prog()} config list")
    data = {
        "name": p.name,
        "type": p.type,
        "version": p.version,
        "last_modified": p.last_modified,
        "value": _shown(p, reveal),
    }
    if reveal:
        views: list[object] = [Reveal(p.value or "")]
    else:
        views = [
            Fields(
                [
                    ("name", p.name),
                    ("type", p.type),
                    ("version", p.version),
                    ("last modified", p.last_modified),
                    ("value", _shown(p, False)),
                ]
            )
        ]
    emit(a, Result(a.command, data=data, views=views))  # type: ignore[arg-type]


@app.command("list")
def list_(
    ctx: typer.Context,
    path: Annotated[str | None, typer.Argument(help="Path (default: the environment's prefix).")] = None,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Include sub-paths.")] = False,
    values: Annotated[bool, typer.Option("--values", help="Show values (SecureString masked).")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="With --values: show SecureString values.")] = False,
) -> None:
    """List parameters under a path (paginated)."""
    from vegaops.naming import param_path, relative
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    prefix = a.settings.params_prefix
    full = param_path(prefix, path)
    params = sorted(_ssm(a).by_path(full, recursive, decrypt=values), key=lambda p: p.name)
    columns = ["NAME", "TYPE", "VERSION", "LAST MODIFIED"] + (["VALUE"] if values else [])
    rows = []
    data = []
    for p in params:
        row: list[object] = [relative(prefix, p.name), p.type, p.version, p.last_modified]
        item = {"name": p.name, "type": p.type, "version": p.version, "last_modified": p.last_modified}
        if values:
            row.append(_shown(p, reveal))
            item["value"] = _shown(p, reveal)
        rows.append(row)
        data.append(item)
    message = None if rows else f"no parameters under {full}"
    emit(
        a,
        Result(
            a.command,
            data={"path": full, "parameters": data},
            views=[Table(columns, rows)] if rows else [],
            message=message,
        ),
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Parameter names.", autocompletion=completion.parameter_names)],
    dry_run: DryRunOpt = False,
) -> None:
    """Delete parameters (asks first unless --yes)."""
    from vegaops.runbook import engine
    from vegaops.steps.ssm import DeleteParameters, DeleteParams

    a = app_ctx(ctx, dry_run)
    report = engine.run(
        a, a.command, [engine.single(DeleteParameters, DeleteParams(names=list(names)))], always_confirm=True
    )
    emit(a, run_result(a, report))


@app.command("history")
def history(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
) -> None:
    """The parameter's versions: who changed it and when (SecureString values masked)."""
    from vegaops.naming import param_name
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    full = param_name(a.settings.params_prefix, name)
    versions = _ssm(a).history(full, decrypt=True)
    if not versions:
        raise NotFoundError(f"parameter {full} not found", hint=f"list what exists: {prog()} config list")
    from vegaops.output.humanize import who

    verbose = bool(a.output.verbose)
    rows = [  # WHO: the principal's short name (the full ARN in JSON and with -v)
        [p.version, p.last_modified, p.modified_by if verbose else who(p.modified_by), p.type, _shown(p, False)]
        for p in reversed(versions)
    ]
    for row, p in zip(rows, reversed(versions), strict=True):
        row.append(list(p.labels))
    data = [
        {
            "version": p.version,
            "last_modified": p.last_modified,
            "modified_by": p.modified_by,
            "type": p.type,
            "value": _shown(p, False),
            "labels": list(p.labels),
        }
        for p in reversed(versions)
    ]
    emit(
        a,
        Result(
            a.command,
            data={"name": full, "versions": data},
            views=[Table(["VERSION", "WHEN", "WHO", "TYPE", "VALUE", "LABELS"], rows)],
        ),
    )


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Parameter name.", autocompletion=completion.parameter_names)],
    to: Annotated[
        int | None,
        typer.Option("--to", help="Version whose value to restore (default: the value before the newest version)."),
    ] = None,
    redeploy: RedeployOpt = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Put the value before the newest version back (as a new version); twice is the same as once."""
    from vegaops.cli.secret_cmd import needs_redeploy, now_iso
    from vegaops.cli.secret_cmd import redeploy as force_redeploy
    from vegaops.naming import param_name
    from vegaops.refs import param_matcher
    from vegaops.runbook import engine
    from vegaops.steps.ssm import RollbackParameter, RollbackParams

    a = app_ctx(ctx, dry_run)
    full = param_name(a.settings.params_prefix, name)
    after = now_iso(a)
    report = engine.run(a, a.command, [engine.single(RollbackParameter, RollbackParams(name=name, to=to))])
    extra: dict[str, object] = {"restored_version": report.steps[0].outputs.get("restored_version")}
    if redeploy and (report.changed or report.dry_run):
        extra["redeploy"] = force_redeploy(a, param_matcher(full), after, full, watch)
    elif redeploy:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed and a.settings.cluster:
        extra["needs_redeploy"] = needs_redeploy(a, param_matcher(full))
    emit(a, run_result(a, report, data=extra))


@app.command("diff")
def diff(
    ctx: typer.Context,
    env_a: Annotated[str, typer.Argument(help="First environment.")],
    env_b: Annotated[str, typer.Argument(help="Second environment.")],
    path: Annotated[str | None, typer.Option("--path", help="Only names under this sub-path.")] = None,
) -> None:
    """Compare the parameters of two environments: key sets and value fingerprints, never values."""
    from vegaops.cli.secret_cmd import emit_diff
    from vegaops.stores import for_env, param_values

    a = app_ctx(ctx)
    emit_diff(a, env_a, env_b, param_values(for_env(a, env_a), path), param_values(for_env(a, env_b), path))


@app.command("import")
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
    from pathlib import Path

    from vegaops.cli.secret_cmd import import_file
    from vegaops.runbook import engine
    from vegaops.steps.ssm import PutParameter, PutParams

    a = app_ctx(ctx, dry_run)
    import_file(
        a,
        Path(file),
        keep_names,
        lambda n, v: engine.single(PutParameter, PutParams(name=n, value=v, secure=secure), call_id=f"param {n}"),
        "config",
    )

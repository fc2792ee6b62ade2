"""``vegaops secret refs``: the task definitions and services that read a secret (or a parameter)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import (
    DryRunOpt,
    WatchOpt,
    app_ctx,
    emit,
    run_result,
)
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, UsageError


def refs_(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="Secret name (or parameter name with --param).", autocompletion=completion.secret_names),
    ],
    param: Annotated[bool, typer.Option("--param", help="NAME is an SSM parameter.")] = False,
    repoint: Annotated[
        bool,
        typer.Option(
            "--repoint",
            help="Re-register task definitions that name the secret by an old ARN (deleted and recreated) "
            "with valueFrom pointing at its current ARN, and deploy them.",
        ),
    ] = False,
    watch: WatchOpt = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Task definitions and services that reference the secret (secrets and log drivers' secretOptions, by
    ARN, partial ARN or name), running tasks that predate its last change, and references by an old ARN."""
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.naming import secret_name
    from vegaops.output.result import Result, Table
    from vegaops.refs import param_matcher, references, secret_matcher
    from vegaops.values.repoint import repoint as repoint_secret

    a = app_ctx(ctx, dry_run)
    cluster = a.settings.require_cluster()
    if param:
        from vegaops.aws.ssm import Ssm
        from vegaops.naming import param_name

        if repoint:
            raise UsageError("--repoint is for secrets (SSM parameter ARNs do not change)", hint="drop --param")
        full = param_name(a.settings.params_prefix, name)
        p = Ssm(a.client("ssm")).get(full, decrypt=False)
        if p is None:
            raise NotFoundError(f"parameter {full} not found", hint=f"list what exists: {prog()} config list")
        matcher, changed = param_matcher(full), p.last_modified
    else:
        full = secret_name(a.settings.secrets_prefix, name)
        meta = SecretsCatalog(a.client("secretsmanager")).describe(full)
        if meta is None:
            raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
        matcher, changed = secret_matcher(meta.arn, full), meta.last_changed
    if repoint:
        emit(a, run_result(a, repoint_secret(a, name, cluster, watch)))
        return
    found = references(a, cluster, matcher, changed, include_stale=True)
    rows = [
        [
            r.service,
            r.task_definition.rsplit("/", 1)[-1],
            ", ".join(r.variables + [f"{s['name']} (OLD ARN)" for s in r.stale_refs]),
            len(r.stale_tasks),
        ]
        for r in found
    ]
    stale = sum(len(r.stale_tasks) for r in found)
    old_arn = sorted({r.service for r in found if r.stale_refs})
    message = (
        f"{len(found)} reference{'s' if len(found) != 1 else ''}"
        + (
            f"; {stale} running task{'s' if stale != 1 else ''} started before the last change "
            f"still hold the old value ({prog()} secret set ... --redeploy)"
            if stale
            else ""
        )
        + (
            f"; {', '.join(old_arn)} name{'s' if len(old_arn) == 1 else ''} it by an old ARN (the secret was "
            f"deleted and recreated; its tasks cannot start): {prog()} secret refs {name} --repoint"
            if old_arn
            else ""
        )
        if found
        else f"no task definition in cluster {cluster} references {full}"
    )
    if old_arn:
        a.output.warn(
            f"{', '.join(old_arn)}: valueFrom names an old ARN of {full}; fix: {prog()} secret refs {name} --repoint"
        )
    emit(
        a,
        Result(
            a.command,
            data={"name": full, "last_changed": changed, "references": [r.to_dict() for r in found]},
            views=[Table(["SERVICE", "TASK DEFINITION", "VARIABLES", "TASKS BEFORE CHANGE"], rows)] if rows else [],
            message=message,
        ),
    )

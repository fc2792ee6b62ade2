"""What the ``config`` commands do with SSM Parameter Store: show one parameter, the parameters under a path, a
parameter's versions; set one and roll one back (through the engine), then redeploy or name the services that
read it. SecureString values stay masked unless revealed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.cmdline import prog
from vegaops.errors import NotFoundError
from vegaops.values.masking import shown

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.steps.ssm import PutParams


def param_get(a: AppContext, name: str, reveal: bool, version: int | None) -> Result:
    """A parameter; a SecureString value stays masked unless revealed."""
    from vegaops.naming import param_name
    from vegaops.output.result import Fields, Result, Reveal

    full = param_name(a.settings.params_prefix, name)
    selector = f"{full}:{version}" if version is not None else full
    p = a.aws.ssm.get(selector, decrypt=True)
    if p is None:
        raise NotFoundError(f"parameter {selector} not found", hint=f"list what exists: {prog()} config list")
    data = {
        "name": p.name,
        "type": p.type,
        "version": p.version,
        "last_modified": p.last_modified,
        "value": shown(p, reveal),
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
                    ("value", shown(p, False)),
                ]
            )
        ]
    return Result(a.command, data=data, views=views)  # type: ignore[arg-type]


def param_list(a: AppContext, path: str | None, recursive: bool, values: bool, reveal: bool) -> Result:
    """The parameters under a path (SecureString values masked unless revealed)."""
    from vegaops.naming import param_path, relative
    from vegaops.output.result import Result, Table

    prefix = a.settings.params_prefix
    full = param_path(prefix, path)
    params = sorted(a.aws.ssm.by_path(full, recursive, decrypt=values), key=lambda p: p.name)
    columns = ["NAME", "TYPE", "VERSION", "LAST MODIFIED"] + (["VALUE"] if values else [])
    rows = []
    data = []
    for p in params:
        row: list[object] = [relative(prefix, p.name), p.type, p.version, p.last_modified]
        item = {"name": p.name, "type": p.type, "version": p.version, "last_modified": p.last_modified}
        if values:
            row.append(shown(p, reveal))
            item["value"] = shown(p, reveal)
        rows.append(row)
        data.append(item)
    message = None if rows else f"no parameters under {full}"
    return Result(
        a.command,
        data={"path": full, "parameters": data},
        views=[Table(columns, rows)] if rows else [],
        message=message,
    )


def param_history(a: AppContext, name: str) -> Result:
    """A parameter's versions: who changed it and when (SecureString values masked)."""
    from vegaops.naming import param_name
    from vegaops.output.result import Result, Table

    full = param_name(a.settings.params_prefix, name)
    versions = a.aws.ssm.history(full, decrypt=True)
    if not versions:
        raise NotFoundError(f"parameter {full} not found", hint=f"list what exists: {prog()} config list")
    from vegaops.output.humanize import who

    verbose = bool(a.output.verbose)
    rows = [  # WHO: the principal's short name (the full ARN in JSON and with -v)
        [p.version, p.last_modified, p.modified_by if verbose else who(p.modified_by), p.type, shown(p, False)]
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
            "value": shown(p, False),
            "labels": list(p.labels),
        }
        for p in reversed(versions)
    ]
    return Result(
        a.command,
        data={"name": full, "versions": data},
        views=[Table(["VERSION", "WHEN", "WHO", "TYPE", "VALUE", "LABELS"], rows)],
    )


def param_rollback(a: AppContext, name: str, to: int | None, redeploy: bool, watch: bool) -> Result:
    """Put an earlier value back (as a new version), then redeploy its readers (``redeploy``) or name them."""
    from vegaops.naming import param_name
    from vegaops.refs import param_matcher
    from vegaops.runbook import engine
    from vegaops.steps.ssm import RollbackParameter, RollbackParams
    from vegaops.values.redeploy import needs_redeploy
    from vegaops.values.redeploy import redeploy as force_redeploy

    full = param_name(a.settings.params_prefix, name)
    after = a.clock.now().isoformat()
    report = engine.run(a, a.command, [engine.single(RollbackParameter, RollbackParams(name=name, to=to))])
    extra: dict[str, object] = {"restored_version": report.steps[0].outputs.get("restored_version")}
    if redeploy and (report.changed or report.dry_run):
        extra["redeploy"] = force_redeploy(a, param_matcher(full), after, full, watch)
    elif redeploy:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed and a.settings.cluster:
        extra["needs_redeploy"] = needs_redeploy(a, param_matcher(full))
    from vegaops.runbook.result import run_result

    return run_result(a, report, data=extra)


def param_set(a: AppContext, params: PutParams, redeploy: bool, watch: bool) -> Result:
    """Create or update a parameter (one plan, one question; with ``redeploy`` the redeploy of its readers is
    part of that plan); without ``redeploy``, name the services whose running tasks keep the old value."""
    from vegaops.runbook import engine
    from vegaops.steps.ssm import PutParameter

    after = a.clock.now().isoformat()
    then: list[str] = []
    readers: list[str] | None = None
    if redeploy:  # the redeploy belongs to this command's one plan and one question
        from vegaops.naming import param_name
        from vegaops.refs import param_matcher
        from vegaops.values.redeploy import redeploy_services, redeploy_then

        full = param_name(a.settings.params_prefix, params.name)
        readers = redeploy_services(a, param_matcher(full))
        then = redeploy_then(a, full, readers, watch)
    report = engine.run(a, a.command, [engine.single(PutParameter, params)], then=then)
    extra: dict[str, object] = {}
    if redeploy and (report.changed or report.dry_run):
        from vegaops.naming import param_name
        from vegaops.refs import param_matcher
        from vegaops.values.redeploy import redeploy as force_redeploy

        full = param_name(a.settings.params_prefix, params.name)
        extra["redeploy"] = force_redeploy(a, param_matcher(full), after, full, watch, services=readers, confirmed=True)
    elif redeploy:
        a.output.info("value unchanged; no redeploy needed")
    elif report.changed and a.settings.cluster:
        from vegaops.naming import param_name
        from vegaops.refs import param_matcher
        from vegaops.values.redeploy import needs_redeploy

        extra["needs_redeploy"] = needs_redeploy(a, param_matcher(param_name(a.settings.params_prefix, params.name)))
    from vegaops.runbook.result import run_result

    return run_result(a, report, data=extra)

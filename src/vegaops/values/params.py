"""What the ``config`` commands read and show: one SSM parameter, the parameters under a path, a parameter's
versions. SecureString values stay masked unless revealed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.cmdline import prog
from vegaops.errors import NotFoundError
from vegaops.values.masking import shown

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def param_get(a: AppContext, name: str, reveal: bool, version: int | None) -> Result:
    """A parameter; a SecureString value stays masked unless revealed."""
    from vegaops.aws.ssm import Ssm
    from vegaops.naming import param_name
    from vegaops.output.result import Fields, Result, Reveal

    full = param_name(a.settings.params_prefix, name)
    selector = f"{full}:{version}" if version is not None else full
    p = Ssm(a.client("ssm")).get(selector, decrypt=True)
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
    from vegaops.aws.ssm import Ssm
    from vegaops.naming import param_path, relative
    from vegaops.output.result import Result, Table

    prefix = a.settings.params_prefix
    full = param_path(prefix, path)
    params = sorted(Ssm(a.client("ssm")).by_path(full, recursive, decrypt=values), key=lambda p: p.name)
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
    from vegaops.aws.ssm import Ssm
    from vegaops.naming import param_name
    from vegaops.output.result import Result, Table

    full = param_name(a.settings.params_prefix, name)
    versions = Ssm(a.client("ssm")).history(full, decrypt=True)
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

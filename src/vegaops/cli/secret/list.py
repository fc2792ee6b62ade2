"""``vegaops secret list``: secrets under a prefix with the services that read them."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def list_(
    ctx: typer.Context,
    prefix: Annotated[str | None, typer.Argument(help="Name prefix, relative to the secrets prefix.")] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include secrets scheduled for deletion.")] = False,
    refs: Annotated[bool, typer.Option("--refs/--no-refs", help="Show the services that reference each.")] = True,
) -> None:
    """List secrets (paginated): name, last changed, version count, referencing services."""
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.naming import relative
    from vegaops.output.result import Result, Table
    from vegaops.refs import secret_matches
    from vegaops.values.readers import services_by_secret

    a = app_ctx(ctx)
    base = a.settings.secrets_prefix
    full_prefix = (prefix or "")[1:] if (prefix or "").startswith("/") else base + (prefix or "")
    items = SecretsCatalog(a.client("secretsmanager")).listing(full_prefix, include_deleted=deleted)
    by_arn = services_by_secret(a) if refs and items else None
    rows: list[list[object]] = []
    data = []
    for s in items:
        services: list[str] | None = None
        if by_arn is not None:
            services = sorted(
                {svc for arn, names in by_arn.items() if secret_matches(arn, s.arn, s.name) for svc in names}
            )
        row: list[object] = [
            relative(base, s.name),
            s.last_changed,
            s.versions,
            ", ".join(services) if services else ("-" if services is not None else "?"),
        ]
        rows.append(row + (["scheduled " + f"{s.deleted:%Y-%m-%d}" if s.deleted else ""] if deleted else []))
        data.append(
            {
                "name": s.name,
                "arn": s.arn,
                "last_changed": s.last_changed,
                "versions": s.versions,
                "services": services,
                "deleted": s.deleted,
            }
        )
    columns = ["NAME", "LAST CHANGED", "VERSIONS", "SERVICES"] + (["DELETION"] if deleted else [])
    emit(
        a,
        Result(
            a.command,
            data={"prefix": full_prefix, "secrets": data},
            views=[Table(columns, rows)] if rows else [],
            message=None if rows else f"no secrets under {full_prefix or '(all)'}",
        ),
    )

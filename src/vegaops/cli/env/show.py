"""``vegaops env show``: an environment's resolved settings and where each came from."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def show(
    ctx: typer.Context, name: Annotated[str | None, typer.Argument(help="Environment (default: --env).")] = None
) -> None:
    """Show an environment's resolved settings and where each value came from."""
    from vegaops.output.result import Fields, Result, Table, View

    a = app_ctx(ctx)
    if name is not None:
        a.options.env, a.options.env_source = name, "argument"
    s = a.settings
    rows = [[key, setting.value, setting.source] for key, setting in s.values.items()]
    services = [[svc.name, svc.ecs_service, svc.container, svc.ecr_repo, svc.health_url] for svc in s.services.values()]
    data = {
        "env": s.env,
        "env_source": s.env_source,
        "config": str(s.config_path) if s.config_path else None,
        "settings": {k: {"value": v.value, "source": v.source} for k, v in s.values.items()},
        "services": {svc.name: vars(svc) for svc in s.services.values()},
    }
    views: list[View] = [
        Fields(
            [
                ("env", s.env or "(none)"),
                ("selected by", s.env_source),
                ("config", str(s.config_path) if s.config_path else "(no vegaops.toml found)"),
            ]
        ),
        Table(["SETTING", "VALUE", "SOURCE"], rows),
    ]
    if services:
        views.append(Table(["SERVICE", "ECS SERVICE", "CONTAINER", "ECR REPO", "HEALTH URL"], services))
    emit(a, Result(a.command, data=data, views=views))

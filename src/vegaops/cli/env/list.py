"""``vegaops env list``: the environments in vegaops.toml and the built-in ones."""

from __future__ import annotations

import typer

from vegaops.cli.common import (
    app_ctx,
    emit,
)


def list_envs(ctx: typer.Context) -> None:
    """List the environments defined in vegaops.toml (and the built-in ones)."""
    from vegaops.config import BUILTIN_ENVS
    from vegaops.output.result import Result, Table

    a = app_ctx(ctx)
    cfg = a.config
    default = cfg.project.get("default_env")
    rows = [
        [name, env.get("cluster"), env.get("region") or cfg.project.get("region"), name == default, "vegaops.toml"]
        for name, env in cfg.envs.items()
    ]
    rows += [[name, None, None, name == default, "built-in"] for name in BUILTIN_ENVS if name not in cfg.envs]
    data = [dict(zip(["name", "cluster", "region", "default", "from"], r, strict=True)) for r in rows]
    emit(
        a,
        Result(
            a.command,
            data={"config": str(cfg.path) if cfg.path else None, "envs": data},
            views=[Table(["ENV", "CLUSTER", "REGION", "DEFAULT", "FROM"], rows)],
            message=None if rows else "no environments: run vegaops setup, or use --env sandbox",
        ),
    )

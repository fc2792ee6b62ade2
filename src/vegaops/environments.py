"""``vegaops env``: the environments of vegaops.toml and the resolved settings of one, with where each came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def env_list(a: AppContext) -> Result:
    """The environments of vegaops.toml and the built-in ones."""
    from vegaops.config import BUILTIN_ENVS
    from vegaops.output.result import Result, Table

    cfg = a.config
    default = cfg.project.get("default_env")
    rows = [
        [name, env.get("cluster"), env.get("region") or cfg.project.get("region"), name == default, "vegaops.toml"]
        for name, env in cfg.envs.items()
    ]
    rows += [[name, None, None, name == default, "built-in"] for name in BUILTIN_ENVS if name not in cfg.envs]
    data = [dict(zip(["name", "cluster", "region", "default", "from"], r, strict=True)) for r in rows]
    return Result(
        a.command,
        data={"config": str(cfg.path) if cfg.path else None, "envs": data},
        views=[Table(["ENV", "CLUSTER", "REGION", "DEFAULT", "FROM"], rows)],
        message=None if rows else "no environments: run vegaops setup, or use --env sandbox",
    )


def env_show(a: AppContext) -> Result:
    """The selected environment's resolved settings and where each value came from."""
    from vegaops.output.result import Fields, Result, Table, View

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
    return Result(a.command, data=data, views=views)

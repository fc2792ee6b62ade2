"""``vegaops env``: the environments in vegaops.toml and where each resolved setting came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from vegaops.cli.common import KeysOpt, app_ctx, emit
from vegaops.cmdline import prog

if TYPE_CHECKING:
    from vegaops.context import AppContext

app = typer.Typer(
    rich_markup_mode=None,
    help="Environments: list them and show their resolved settings.",
    no_args_is_help=True,
)


@app.command("list")
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


@app.command("show")
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


@app.command("vars")
def vars_(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Argument(help="Service (vegaops.toml name or ECS name); default: all.")
    ] = None,
    keys: KeysOpt = False,
) -> None:
    """Every variable the service's live task definition gives its containers (every container, grouped:
    environment, environment files, secrets, log drivers' secretOptions), where each comes from and whether
    it resolves (SSM and Secrets Manager valueFrom in every form, JSON keys, stale ARNs). Never values."""
    from vegaops.aws.ecs import Ecs
    from vegaops.errors import NotFoundError
    from vegaops.output.result import Result, Table
    from vegaops.refs import TaskDefinitions, check_resolution, cluster_services, variables

    a = app_ctx(ctx)
    s = a.settings
    cluster = s.require_cluster()
    wanted: list[tuple[str, str | None]]  # (ECS service, container)
    if service:
        from vegaops.errors import ConfigError

        try:
            svc = s.service(service)
            wanted = [(svc.ecs_service or svc.name, svc.container)]
        except ConfigError:  # not in vegaops.toml: take it as an ECS service name
            wanted = [(service, None)]
    elif s.services:
        wanted = [(svc.ecs_service or svc.name, svc.container) for svc in s.services.values()]
    else:
        wanted = [(name, None) for name in sorted(cluster_services(a, cluster))]
    found, missing = Ecs(a.client("ecs")).describe_services(cluster, [w for w, _ in wanted]) if wanted else ({}, [])
    if service and missing:
        raise NotFoundError(
            f"service {wanted[0][0]} not found in cluster {cluster}",
            hint=f"{prog()} env vars (no argument) lists every service's variables",
        )
    tds = TaskDefinitions(a)
    rows: list[list[object]] = []
    data = []
    for name, container in wanted:
        if name not in found:
            a.output.warn(f"service {name} not found in cluster {cluster}")
            continue
        td_arn = found[name].get("taskDefinition", "")
        td = tds.get(td_arn)
        found_vars = variables(td)  # every container: sidecars read secrets too (and fail tasks when they cannot)
        check_resolution(a, found_vars)
        order = [str(c.get("name")) for c in td.get("containerDefinitions", [])]
        if container in order:  # the configured container first, then the others in task definition order
            order.remove(container)
            order.insert(0, container)
        found_vars.sort(key=lambda v: order.index(v.container) if v.container in order else len(order))
        for v in found_vars:
            resolves = "-" if v.resolves is None else ("yes" if v.resolves else f"NO ({v.why})")
            source = f"{v.source} (log driver)" if v.via == "secretOptions" else v.source
            rows.append([name, v.container, v.name, source, v.origin, resolves])
            data.append({"service": name, "task_definition": td_arn, **v.to_dict()})
    if keys:
        rows += _json_keys(a, data)
    broken = sum(1 for d in data if d["resolves"] is False)
    message = (
        f"{len(data)} variables, {broken} do not resolve (tasks will fail to start)"
        if broken
        else f"{len(data)} variables"
        if data
        else "no variables"
    )
    result = Result(
        a.command,
        data={"cluster": cluster, "variables": data},
        views=[Table(["SERVICE", "CONTAINER", "VARIABLE", "SOURCE", "FROM", "RESOLVES"], rows)] if rows else [],
        message=message,
    )
    emit(a, result)


def _json_keys(a: AppContext, data: list[dict[str, Any]]) -> list[list[object]]:
    """``env vars --keys``: a variable holding a whole JSON secret, as the one variable per key that
    ``exec``/``secret export --keys`` give (names by naming.env_var_name). Key names only, never values."""
    from vegaops.aws.secrets import Secrets
    from vegaops.naming import env_var_name
    from vegaops.refs import parse_value_from
    from vegaops.stores import json_fields

    store = Secrets(a.client("secretsmanager"))
    rows: list[list[object]] = []
    for d in data:
        ref = parse_value_from(d.get("value_from") or "")
        if d.get("source") != "secretsmanager" or not d.get("resolves") or ref.json_key:
            continue
        got = store.get(ref.store_id, version_id=ref.version_id, stage=ref.version_stage)
        fields = json_fields(got.value.value) if got is not None else None
        if fields is None:
            continue
        d["keys"] = {k: env_var_name(k) for k in fields}
        for k, var in d["keys"].items():
            rows.append([d["service"], d["container"], var, "secretsmanager key", f"{d['origin']} key {k}", "yes"])
    return rows

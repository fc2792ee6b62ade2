"""``vegaops env vars``: the variables a service's live task definition gives its containers (environment,
environment files, secrets, log drivers' secretOptions), where each comes from and whether it resolves. Never values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def service_variables(a: AppContext, service: str | None, keys: bool) -> Result:
    """Every variable of the services' live task definitions, where each comes from and whether it resolves."""
    from vegaops.output.result import Result, Table
    from vegaops.refs import TaskDefinitions, check_resolution, cluster_services, variables

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
    names = [w for w, _ in wanted]
    if service:  # the one service asked for: not found is the answer (exit 3)
        found = a.aws.ecs.require_services(
            cluster, names, hint=f"{prog()} env vars (no argument) lists every service's variables"
        )
    else:  # every service: one that is gone is said and skipped
        described = a.aws.ecs.describe_services(cluster, names)[0] if wanted else {}
        found = {n: svc for n, svc in described.items() if svc.get("status") != "INACTIVE"}
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
    return result


def _json_keys(a: AppContext, data: list[dict[str, Any]]) -> list[list[object]]:
    """``env vars --keys``: a variable holding a whole JSON secret, as the one variable per key that
    ``exec``/``secret export --keys`` give (names by naming.env_var_name). Key names only, never values."""
    from vegaops.naming import env_var_name
    from vegaops.refs import parse_value_from
    from vegaops.stores import json_fields

    store = a.aws.secrets
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

"""From service names to log selectors: live task definition, deployments, tasks, stopped-task markers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.errors import ConfigError, NotFoundError, UsageError
from vegaops.logs.core import Marker, Selector
from vegaops.logs.sources import LogSource, discover, task_id

if TYPE_CHECKING:
    from mypy_boto3_logs.type_defs import FilteredLogEventTypeDef, LogStreamTypeDef, OutputLogEventTypeDef

    from vegaops.aws.ecs import Ecs
    from vegaops.aws.logs import Logs
    from vegaops.context import AppContext


@dataclass
class Target:
    key: str  # the name the user gave / the config key
    ecs_service: str
    service: Mapping[str, Any]
    task_definition: dict[str, Any]
    sources: list[LogSource]
    deployment: dict[str, Any] | None = None  # the chosen deployment (for --deployment)
    task_ids: set[str] | None = None  # tasks of the chosen deployment
    config: Any = None  # ServiceConfig when configured


def resolve_name(a: AppContext, name: str) -> tuple[str, str, Any]:
    """(key, ECS service name, ServiceConfig | None). Unknown names are taken as ECS service names."""
    try:
        svc = a.settings.service(name)
    except ConfigError:
        if a.settings.services:
            raise
        return name, name, None
    return svc.name, svc.ecs_service, svc


def cluster_of(a: AppContext) -> str:
    cluster = a.settings.get("cluster") if "cluster" in a.settings.values else None
    if not cluster:
        raise ConfigError("no ECS cluster configured", hint="set cluster in [env.NAME] of vegaops.toml or use --env")
    return str(cluster)


def pick_deployment(service: Mapping[str, Any], which: str | None) -> dict[str, Any] | None:
    deployments: list[dict[str, Any]] = list(service.get("deployments", []))
    if not which:
        return None
    if which == "current":
        return next((d for d in deployments if d.get("status") == "PRIMARY"), deployments[0] if deployments else None)
    if which == "previous":
        others = [d for d in deployments if d.get("status") != "PRIMARY"]
        if not others:
            return None
        newest: dict[str, Any] = max(others, key=lambda d: str(d.get("createdAt", "")))
        return newest
    for d in deployments:
        if d.get("id") == which or str(d.get("id", "")).endswith(which):
            return d
    return {"id": which}


def of_service(tasks: Sequence[Mapping[str, Any]], service: str) -> list[dict[str, Any]]:
    """Only the service's own tasks (some endpoints ignore serviceName for stopped tasks)."""
    return [dict(t) for t in tasks if t.get("group") in (None, f"service:{service}")]


def tasks_of(ecs: Ecs, cluster: str, service: str) -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster, service=service) + ecs.list_tasks(cluster, service=service, desired_status="STOPPED")
    return of_service(ecs.describe_tasks(cluster, arns), service) if arns else []


def targets(a: AppContext, ecs: Ecs, names: Sequence[str], deployment: str | None = None) -> list[Target]:
    cluster = cluster_of(a)
    resolved = [resolve_name(a, n) for n in names]
    found = ecs.require_services(
        cluster,
        [r[1] for r in resolved],
        hint=f"check the name with: {prog()} status, or the cluster in vegaops.toml",
        inactive=True,
    )
    out: list[Target] = []
    for key, ecs_name, cfg in resolved:
        svc = found[ecs_name]
        dep = pick_deployment(svc, deployment)
        task_ids: set[str] | None = None
        td_arn = svc.get("taskDefinition", "")
        if deployment:
            tasks = tasks_of(ecs, cluster, ecs_name)
            if dep is None:  # the previous deployment is gone from the service: its tasks still say startedBy
                primary = pick_deployment(svc, "current") or {}
                by_deployment: dict[str, list[dict[str, Any]]] = {}
                for t in tasks:
                    started_by = str(t.get("startedBy") or "")
                    if started_by and started_by != primary.get("id"):
                        by_deployment.setdefault(started_by, []).append(t)
                if not by_deployment:
                    raise NotFoundError(
                        f"{key}: no {deployment} deployment (no tasks of an earlier deployment)",
                        hint=f"{prog()} logs tail {key} --deployment current",
                    )
                latest = max(by_deployment.values(), key=lambda group: max(str(t.get("createdAt", "")) for t in group))
                td_arn = latest[0].get("taskDefinitionArn") or td_arn
                task_ids = {task_id(t["taskArn"]) for t in latest}
            else:
                td_arn = dep.get("taskDefinition") or td_arn
                task_ids = {task_id(t["taskArn"]) for t in tasks if t.get("startedBy") == dep.get("id")}
                if set(dep) == {"id"} and not task_ids:  # an id that matches no deployment and no task
                    raise NotFoundError(
                        f"{key}: no deployment {deployment} (not among the service's deployments or its tasks)",
                        hint=f"{prog()} status {key} shows the deployments; or --deployment current/previous",
                    )
        td = ecs.describe_task_definition(td_arn).raw
        out.append(Target(key, ecs_name, svc, td, discover(key, td, a.settings.region, cluster), dep, task_ids, cfg))
    return out


def selectors(ts: Sequence[Target], containers: set[str] | None, tasks: set[str] | None) -> list[Selector]:
    by_group: dict[str, Selector] = {}
    for t in ts:
        for src in t.sources:
            if not src.tailable or (containers and src.container not in containers):
                continue
            assert src.group is not None
            sel = by_group.setdefault(src.group, Selector(src.group, [], containers, tasks))
            if t.task_ids is not None:
                allowed = t.task_ids
                prev = sel.task_filter
                sel.task_filter = lambda tid, allowed=allowed, prev=prev: (
                    tid in allowed or (prev is not None and prev(tid))
                )
            sel.sources.append(src)
    if containers:
        known = {s.container for t in ts for s in t.sources}
        unknown = containers - known
        if unknown:
            raise UsageError(
                f"--container {', '.join(sorted(unknown))}: no such container",
                hint=f"containers: {', '.join(sorted(known))}",
            )
    return list(by_group.values())


def stopped_watcher(
    ecs: Ecs, cluster: str, ts: Sequence[Target], now_ms: Callable[[], int]
) -> Callable[[], list[Marker]]:
    """Markers for tasks of these services that stopped since the previous call (first call: baseline)."""
    reported: set[str] = set()
    state = {"first": True}

    def watch() -> list[Marker]:
        out: list[Marker] = []
        for t in ts:
            arns = ecs.list_tasks(cluster, service=t.ecs_service, desired_status="STOPPED")
            fresh = [arn for arn in arns if arn not in reported]
            reported.update(fresh)
            if state["first"] or not fresh:
                continue
            for task in of_service(ecs.describe_tasks(cluster, fresh), t.ecs_service):
                if task.get("lastStatus") != "STOPPED" and not task.get("stoppedReason"):
                    reported.discard(task["taskArn"])
                    continue
                out.append(
                    Marker(
                        now_ms(),
                        t.key,
                        task_id(task["taskArn"]),
                        "stopped",
                        f"task {task_id(task['taskArn'])[:8]} ({t.key}) stopped: {stop_text(task)}",
                    )
                )
        state["first"] = False
        return out

    return watch


def stop_text(task: dict[str, Any]) -> str:
    parts = [str(task.get("stoppedReason") or task.get("stopCode") or "no reason given")]
    for c in task.get("containers", []):
        if c.get("exitCode") is not None or c.get("reason"):
            detail = f"{c.get('name')} exit {c.get('exitCode')}"
            if c.get("reason"):
                detail += f" ({c['reason']})"
            parts.append(detail)
    return "; ".join(parts)


@dataclass
class RegionRouter:
    """A LogsApi that sends each group to the client of its region."""

    routes: dict[str, Logs] = field(default_factory=dict)  # group -> the Logs of its region

    def filter_page(
        self,
        group: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        filter_pattern: str | None = None,
        stream_prefix: str | None = None,
        streams: Sequence[str] | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[list[FilteredLogEventTypeDef], str | None]:
        return self.routes[group].filter_page(
            group,
            start_ms=start_ms,
            end_ms=end_ms,
            filter_pattern=filter_pattern,
            stream_prefix=stream_prefix,
            streams=streams,
            token=token,
            limit=limit,
        )

    def list_streams(self, group: str, prefix: str | None = None, max_pages: int = 10) -> list[LogStreamTypeDef] | None:
        return self.routes[group].list_streams(group, prefix, max_pages)

    def stream_page(
        self,
        group: str,
        stream: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        token: str | None = None,
        limit: int = 10000,
    ) -> tuple[list[OutputLogEventTypeDef], str | None]:
        return self.routes[group].stream_page(group, stream, start_ms=start_ms, end_ms=end_ms, token=token, limit=limit)

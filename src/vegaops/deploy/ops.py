"""Re-attach (deploy watch), rollback, history, unlock and status: the operations around a deploy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vegaops.aws.ecs import Ecs, TargetHealth
from vegaops.deploy import lock
from vegaops.deploy.run import Prepared, _tracked, cluster_of, pick_services, result
from vegaops.deploy.view import DeployView
from vegaops.deploy.watch import Tracked, Watcher, WatchOptions
from vegaops.errors import NotFoundError
from vegaops.output.result import Fields, Result, Table

if TYPE_CHECKING:
    from vegaops.context import AppContext


def _tags(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in tags}


def _image_tag(td: dict[str, Any], tags: dict[str, str], container: str | None) -> str:
    if tags.get("vegaops:image-tag"):
        return tags["vegaops:image-tag"]
    images = [c["image"] for c in td.get("containerDefinitions", []) if container in (None, c["name"])]
    image = images[0] if images else ""
    return image.rsplit(":", 1)[-1] if "@" not in image and ":" in image else image.rsplit("@", 1)[-1][:19]


def _watcher(ctx: AppContext, ecs: Ecs, timeout: float, poll_interval: float | None) -> Watcher:
    return Watcher(ecs, TargetHealth(ctx.client("elbv2")), ctx.client("logs"), ctx.clock, DeployView(ctx.output),
                   WatchOptions(timeout=timeout, poll_interval=poll_interval))


def watch(ctx: AppContext, keys: list[str], timeout: float, poll_interval: float | None) -> Result:
    """Re-attach to the deployments in progress on these services and give their verdicts."""
    ecs = Ecs(ctx.client("ecs"), cluster_of(ctx))
    services = pick_services(ctx, keys)
    described, missing = ecs.describe_services([s.ecs_service for s in services])
    if missing:
        raise NotFoundError(f"service(s) {', '.join(missing)} not found in cluster {ecs.cluster}")
    tracked: list[Tracked] = []
    prepared: list[Prepared] = []
    idle = []
    for cfg in services:
        svc = described[cfg.ecs_service]
        deployments = svc.get("deployments", [])
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        if primary is None or (primary.get("rolloutState") != "IN_PROGRESS" and len(deployments) == 1):
            idle.append(cfg.name)
            continue
        others = [d for d in deployments if d is not primary]
        old = others[0]["taskDefinition"] if others else primary["taskDefinition"]
        td, tags = ecs.task_definition(primary["taskDefinition"])
        p = Prepared(cfg, svc, td, tags, cfg.container or "", new_td=td, action="reattach",
                     reattach_id=primary["id"])
        prepared.append(p)
        ctx.output.info(f"{cfg.name}: watching deployment {primary['id']} ({td['family']}:{td['revision']})")
        tracked.append(_tracked(p, primary["id"], td["taskDefinitionArn"], old, ctx.clock.monotonic()))
    if not tracked:
        return Result(ctx.command, status="unchanged", data={"in_progress": []},
                      message=f"no deployment in progress on {', '.join(idle)}")
    _watcher(ctx, ecs, timeout, poll_interval).run(tracked)
    res = result(ctx, ecs, tracked, prepared, "-", 0)
    return res


def rollback_target(ecs: Ecs, family: str, current: str, to: int | None) -> str:
    """The revision to roll back to: --to, else the newest earlier revision whose deploy succeeded."""
    if to is not None:
        return f"{family}:{to}"
    for arn in ecs.task_definition_arns(family):
        if arn == current:
            continue
        if int(arn.rsplit(":", 1)[-1]) > int(current.rsplit(":", 1)[-1]):
            continue
        _, tags = ecs.task_definition(arn)
        if _tags(tags).get("vegaops:outcome") == "succeeded":
            return arn
    raise NotFoundError(f"no earlier revision of {family} is recorded as successfully deployed",
                        hint="name one: vegaops rollback SERVICE --to REVISION (see vegaops deploy history)")


def rollback(ctx: AppContext, key: str, to: int | None, timeout: float, poll_interval: float | None) -> Result:
    from datetime import timedelta

    ecs = Ecs(ctx.client("ecs"), cluster_of(ctx))
    cfg = pick_services(ctx, [key])[0]
    described, missing = ecs.describe_services([cfg.ecs_service])
    if missing:
        raise NotFoundError(f"service {cfg.ecs_service} not found in cluster {ecs.cluster}")
    svc = described[cfg.ecs_service]
    current, tags = ecs.task_definition(svc["taskDefinition"])
    target_ref = rollback_target(ecs, current["family"], current["taskDefinitionArn"], to)
    target, _ = ecs.task_definition(target_ref)
    if target["taskDefinitionArn"] == current["taskDefinitionArn"]:
        return Result(ctx.command, status="unchanged", message=f"{cfg.name} already runs {target_ref}")
    label = f"{target['family']}:{target['revision']}"
    if ctx.options.dry_run:
        return Result(ctx.command, status="planned",
                      changes=[{"service": cfg.name, "from": current["taskDefinitionArn"],
                                "to": target["taskDefinitionArn"]}],
                      views=[Fields([("service", cfg.name), ("from", f"{current['family']}:{current['revision']}"),
                                     ("to", label)])], message="dry run: nothing was changed")
    ssm = ctx.client("ssm")
    lock.acquire(ssm, ecs.cluster, cfg.ecs_service, f"rollback to {label}", ctx.clock.now(), timedelta(hours=1),
                 label=cfg.name)
    try:
        updated = ecs.update_service(cfg.ecs_service, task_definition=target["taskDefinitionArn"])
        primary = next(d for d in updated["deployments"] if d.get("status") == "PRIMARY")
        p = Prepared(cfg, svc, current, tags, cfg.container or "", new_td=target, action="deploy")
        t = _tracked(p, primary["id"], target["taskDefinitionArn"], current["taskDefinitionArn"],
                     ctx.clock.monotonic())
        ctx.output.info(f"{cfg.name}: rolling back to {label} (deployment {primary['id']})")
        _watcher(ctx, ecs, timeout, poll_interval).run([t])
    finally:
        lock.release(ssm, ecs.cluster, cfg.ecs_service)
    if t.verdict is not None:
        try:
            ecs.tag(t.task_definition, {"vegaops:outcome": t.verdict.outcome})
        except Exception as exc:
            ctx.output.debug(f"could not tag {t.task_definition}: {exc}")
    return result(ctx, ecs, [t], [p], _image_tag(target, {}, cfg.container), 0)


def history(ctx: AppContext, key: str, limit: int) -> Result:
    ecs = Ecs(ctx.client("ecs"), cluster_of(ctx))
    cfg = pick_services(ctx, [key])[0]
    described, missing = ecs.describe_services([cfg.ecs_service])
    if missing:
        raise NotFoundError(f"service {cfg.ecs_service} not found in cluster {ecs.cluster}")
    running = described[cfg.ecs_service]["taskDefinition"]
    family = running.rsplit("/", 1)[-1].rsplit(":", 1)[0]
    rows, data = [], []
    for arn in ecs.task_definition_arns(family, limit):
        td, tags = ecs.task_definition(arn)
        t = _tags(tags)
        entry = {"revision": td["revision"], "task_definition": arn, "tag": _image_tag(td, t, cfg.container),
                 "deployed_by": t.get("vegaops:deployed-by"), "deployed_at": t.get("vegaops:deployed-at"),
                 "outcome": t.get("vegaops:outcome"), "took": t.get("vegaops:duration"),
                 "deployment": t.get("vegaops:deployment"), "running": arn == running}
        data.append(entry)
        rows.append([f"{family}:{td['revision']}" + (" *" if arn == running else ""), entry["tag"],
                     entry["outcome"], entry["deployed_at"], entry["took"], entry["deployed_by"]])
    return Result(ctx.command, data={"service": cfg.name, "revisions": data},
                  views=[Table(["REVISION", "TAG", "OUTCOME", "DEPLOYED AT", "TOOK", "BY"], rows)],
                  message="* = running now")


def unlock(ctx: AppContext, keys: list[str]) -> Result:
    ssm = ctx.client("ssm")
    cluster = cluster_of(ctx)
    released = []
    for cfg in pick_services(ctx, keys):
        held = lock.holder(ssm, cluster, cfg.ecs_service)
        if held is not None and lock.release(ssm, cluster, cfg.ecs_service):
            released.append(f"{cfg.name} (held by {held.holder}, tag {held.tag})")
    if not released:
        return Result(ctx.command, status="unchanged", message="no deploy lock was held")
    return Result(ctx.command, status="changed", data={"released": released},
                  message="released: " + "; ".join(released))


def status(ctx: AppContext, keys: list[str]) -> Result:
    ecs = Ecs(ctx.client("ecs"), cluster_of(ctx))
    services = pick_services(ctx, keys)
    described, missing = ecs.describe_services([s.ecs_service for s in services])
    elb = TargetHealth(ctx.client("elbv2"))
    rows: list[list[Any]] = []
    data: dict[str, dict[str, Any]] = {}
    for cfg in services:
        svc = described.get(cfg.ecs_service)
        if svc is None:
            rows.append([cfg.name, "-", "-", "-", "-", "-", "-", "not found"])
            data[cfg.name] = {"found": False}
            continue
        td, tags = ecs.task_definition(svc["taskDefinition"])
        primary: dict[str, Any] = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
        health = []
        for lb in svc.get("loadBalancers", []):
            if lb.get("targetGroupArn"):
                health += [d.get("TargetHealth", {}).get("State", "") for d in elb.of(lb["targetGroupArn"])]
        targets = f"{health.count('healthy')}/{len(health)} healthy" if health else "-"
        event = (svc.get("events") or [{}])[0].get("message", "")
        tag = _image_tag(td, _tags(tags), cfg.container)
        rows.append([cfg.name, f"{td['family']}:{td['revision']}", tag,
                     f"{svc.get('runningCount', 0)}/{svc.get('desiredCount', 0)}", svc.get("pendingCount", 0),
                     primary.get("rolloutState", "-"), targets, event])
        data[cfg.name] = {"found": True, "ecs_service": cfg.ecs_service, "status": svc.get("status"),
                          "task_definition": td["taskDefinitionArn"], "tag": tag,
                          "desired": svc.get("desiredCount"), "running": svc.get("runningCount"),
                          "pending": svc.get("pendingCount"), "rollout": primary.get("rolloutState"),
                          "deployments": len(svc.get("deployments", [])), "targets": health, "last_event": event}
    if missing and len(missing) == len(services):
        raise NotFoundError(f"service(s) {', '.join(missing)} not found in cluster {ecs.cluster}",
                            hint="check ecs_service in vegaops.toml (vegaops env show)")
    return Result(ctx.command, data={"cluster": ecs.cluster, "services": data},
                  views=[Table(["SERVICE", "TASK DEFINITION", "IMAGE", "RUNNING", "PENDING", "ROLLOUT", "TARGETS",
                                "LAST EVENT"], rows)])

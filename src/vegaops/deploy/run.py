"""``vegaops deploy`` / ``deploy watch`` / ``rollback``: preflight, the step runs, the watch, the envelope."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import line, prog
from vegaops.deploy import core
from vegaops.deploy import verdict as vd
from vegaops.deploy.core import selected
from vegaops.errors import Interrupted, NotFoundError, Refused, UsageError, VegaopsError
from vegaops.output.humanize import duration as took
from vegaops.output.humanize import short_digest, short_image

if TYPE_CHECKING:
    from vegaops.aws.ecr import Ecr, ImageRef
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.runbook.model import StepCall


@dataclass
class DeployOptions:
    tag: str
    services: list[str] = field(default_factory=list)
    container: str | None = None
    force: bool = False
    wait_for_other: bool = False
    rollback_on_failure: bool = False
    timeout: float = 900.0
    poll_interval: float | None = None
    wait_until: str | None = None  # a lifecycle stage (or "paused"): exit 0 once reached; ECS goes on


@dataclass
class Item:
    key: str  # the service key in config (or the ECS name)
    service: str  # ECS service name
    repo: str = ""
    image: ImageRef | None = None
    promote_from: str | None = None
    previous: str = ""
    task_definition: str = ""
    deployment_id: str | None = None
    reattach: bool = False
    already: bool = False
    target_groups: list[str] = field(default_factory=list)
    verdict: vd.Verdict | None = None


def check_tag(ctx: AppContext, tag: str) -> None:
    rule = ctx.settings.get("tag_rule")
    if rule and not re.search(str(rule), tag):
        raise UsageError(
            f"tag {tag!r} breaks the tag rule of environment {ctx.settings.env}: {rule!r}",
            hint=f"{ctx.settings.values['tag_rule'].source}; deploy a tag that matches it",
        )


def resolve_images(ctx: AppContext, items: list[Item], tag: str) -> None:
    ecr = ctx.aws.ecr
    prefix = str(ctx.settings.get("source_repo_prefix") or "")
    for it in items:
        searched = [it.repo]
        ref = _find(ecr, it.repo, tag)
        if ref is None and prefix:
            source = prefix + it.repo
            searched.append(source)
            src = _find(ecr, source, tag)
            if src is not None:
                it.promote_from = source
                ref = src
        if ref is None:
            raise NotFoundError(
                f"image tag {tag} not found for {it.key}; searched: {', '.join(searched)}",
                hint="push the image first, or check the tag",
            )
        it.image = ref


def _find(ecr: Ecr, repo: str, tag: str) -> ImageRef | None:
    try:
        return ecr.find(repo, tag)
    except NotFoundError:
        return None


def pinned(ctx: AppContext, it: Item) -> str:
    """repo@sha256:... in the service's own repository (after promotion)."""
    assert it.image is not None
    if it.promote_from:
        host = ctx.aws.ecr.repository(it.repo).registry_host
        return f"{host}/{it.repo}@{it.image.digest}"
    return it.image.pinned


def deploy(ctx: AppContext, o: DeployOptions) -> Result:
    from vegaops.deploy.strategy import refuse_controller
    from vegaops.runbook import engine
    from vegaops.runbook.model import StepCall
    from vegaops.steps.ecs import describe_service, in_progress

    start = ctx.clock.monotonic()
    ctx.shared["_deploy_started"] = start  # --timeout counts from here: waits for others, the watch
    check_tag(ctx, o.tag)
    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    pairs = selected(ctx, o.services)
    items: list[Item] = []
    for key, name in pairs:
        repo = None
        try:
            repo = ctx.settings.service(key).ecr_repo
        except VegaopsError:
            repo = None
        items.append(Item(key, name, repo or name))
    # Preflight (no change yet): services exist and are ACTIVE (batched), images exist somewhere.
    found, missing = ecs.describe_services(cluster, [it.service for it in items])
    if missing:
        raise Refused(
            f"preflight: service(s) not found in cluster {cluster}: {', '.join(missing)}",
            hint="check the service names and --env",
        )
    for it in items:
        svc = found[it.service]
        if svc.get("status") != "ACTIVE":
            raise Refused(f"preflight: service {it.service} is {svc.get('status')}, not ACTIVE")
        refuse_controller(svc, it.service)  # CODE_DEPLOY / EXTERNAL: exit 2 before any change
    resolve_images(ctx, items, o.tag)

    for it in items:
        svc = found[it.service]
        image = pinned(ctx, it)
        it.previous = str(svc.get("taskDefinition"))
        it.target_groups = [lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")]
        flight = in_progress(svc)
        if flight is not None:
            td = ecs.describe_task_definition(str(flight.get("taskDefinition")))
            if any(str(c.get("image")) == image for c in td.containers):
                it.reattach, it.deployment_id, it.task_definition = True, str(flight.get("id")), td.arn
                others = [d for d in svc.get("deployments", []) if d.get("id") != flight.get("id")]
                it.previous = str(others[0].get("taskDefinition")) if others else it.previous
                ctx.output.info(f"{it.service}: deployment {it.deployment_id} of {image} is in flight; re-attaching")
                continue
            if not o.wait_for_other:
                raise Refused(
                    f"preflight: {it.service} has another deployment in progress ({flight.get('id')} of "
                    f"{vd.short_td(flight.get('taskDefinition'))})",
                    hint=f"wait for it ({prog()} deploy watch {it.service}) or pass --wait-for-other",
                )
            wait_for_other(ctx, it.service, str(flight.get("id")), str(flight.get("taskDefinition")), o)
            svc = describe_service(ctx, it.service)
            it.previous = str(svc.get("taskDefinition"))
        _settle(ctx, it.service, svc)
        live = ecs.describe_task_definition(it.previous)
        if any(str(c.get("image")) == image for c in live.containers) and in_progress(svc) is None and not o.force:
            it.already, it.task_definition = True, live.arn

    # Every promotion and registration first (new revisions change no running task), then the deploys: a
    # failure while preparing one service leaves every service as it was.
    calls: list[StepCall] = []
    deploys: list[StepCall] = []
    for it in items:
        if it.reattach or it.already:
            continue
        sid = it.key
        assert it.image is not None
        if it.promote_from:
            calls.append(
                StepCall(
                    f"promote-{sid}",
                    "ecr.promote",
                    {"tag": o.tag, "source_repository": it.promote_from, "repository": it.repo},
                    literal=True,
                )
            )
        calls.append(
            StepCall(
                f"register-{sid}",
                "ecs.register",
                {"service": it.service, "image": pinned(ctx, it), "tag": o.tag, "container": o.container},
                literal=True,
            )
        )
        deploys.append(
            StepCall(
                f"deploy-{sid}",
                "ecs.deploy",
                {
                    "service": it.service,
                    "task_definition": f"${{steps.register-{sid}.task_definition}}",
                    "force": o.force,
                },
            )
        )
    calls += deploys
    for it in items:
        if it.already and o.force:
            calls.append(
                StepCall(
                    f"deploy-{it.key}",
                    "ecs.deploy",
                    {"service": it.service, "task_definition": it.task_definition, "force": True},
                    literal=True,
                )
            )
            it.already = False

    # One plan and one question for every service: what follows the changes is shown with them.
    moving = [it for it in items if not (it.reattach or it.already)]
    then = []
    if moving or any(it.reattach for it in items):
        then.append(
            f"watch {', '.join(it.service for it in items if not it.already)} until each deployment settles "
            f"(up to {o.timeout:g}s{'; roll back on failure' if o.rollback_on_failure else ''})"
        )
    prefix = engine.command_prefix(ctx)
    resume = shlex.join([*shlex.split(prefix), "deploy", "--tag", o.tag, *[it.key for it in items]])
    undo = {f"deploy-{it.key}": f"{prefix} rollback {it.key}" for it in moving}
    if ctx.options.dry_run:
        report = engine.run(ctx, "deploy", calls, then=then, resume=resume, undo=undo)
        return _result(ctx, o, items, start, report.changes, planned=True)

    locks: list[core.Lock] = []
    ttl = o.timeout + 300
    try:
        for it in items:
            if not (it.reattach or it.already):
                locks.append(core.acquire_lock(ctx, it.service, o.tag, ttl))
        changes: list[dict[str, Any]] = []
        if calls:
            from vegaops.ci import notify_deploy_start

            report = engine.run(
                ctx,
                "deploy",
                calls,
                then=then,
                resume=resume,
                undo=undo,
                # announced once confirmed, so a declined deploy tells nobody it started
                before_apply=lambda: notify_deploy_start(ctx, o.tag, [it.service for it in moving]),
            )
            changes = report.changes
            outputs = {s.id: s.outputs for s in report.steps}
            for it in items:
                reg = outputs.get(f"register-{it.key}")
                dep = outputs.get(f"deploy-{it.key}")
                if dep is not None:
                    it.task_definition = str(dep.get("task_definition") or (reg or {}).get("task_definition"))
                    it.deployment_id = dep.get("deployment_id")
                    if it.deployment_id is None:
                        it.already = True
        watched = [it for it in items if not it.already and it.deployment_id]
        if watched:
            watch_items(ctx, watched, o)
        result = _result(ctx, o, items, start, changes, planned=False)
        _prune(ctx, [it for it in watched if it.verdict and it.verdict.outcome == vd.SUCCEEDED], result)
        return result
    finally:
        for lock in locks:
            try:
                core.release_lock(ctx, lock)
            except Exception as exc:  # the verdict matters more than the lock cleanup
                ctx.output.warn(f"could not release {lock.name}: {exc}")


def _settle(ctx: AppContext, service: str, svc: Mapping[str, Any]) -> None:
    """Resolve what earlier (maybe interrupted) deploys left unknown: the running revision and newer ones."""
    from vegaops.deploy.outcomes import settle

    try:
        settle(ctx, service, svc)
    except Exception as exc:  # bookkeeping about the past never blocks a deploy
        ctx.output.warn(f"{service}: earlier deploy outcomes not resolved: {' '.join(str(exc).split())[:200]}")


def _prune(ctx: AppContext, items: list[Item], result: Result) -> None:
    """Keep the newest ``keep_revisions`` task definitions (never the running one or the rollback target)."""
    from vegaops.deploy.status import prune_revisions

    keep = int(ctx.settings.get("keep_revisions") or 10)
    removed: dict[str, list[str]] = {}
    for it in items:
        try:
            gone = prune_revisions(ctx, it.service, keep, it.task_definition)
        except Exception as exc:  # cleanup must never turn a good deploy into a failure
            ctx.output.warn(f"{it.service}: old revisions not pruned: {exc}")
            continue
        if gone:
            removed[it.service] = [vd.short_td(a) for a in gone]
    if isinstance(result.data, dict):
        result.data["deregistered"] = removed


def wait_for_other(ctx: AppContext, service: str, deployment_id: str, td: str, o: DeployOptions) -> None:
    from vegaops.deploy.snapshot import Target
    from vegaops.deploy.view import LiveView
    from vegaops.deploy.watch import Tracked, Watcher, WatchOptions

    ctx.output.info(f"{service}: waiting for the other deployment {deployment_id} to finish (--wait-for-other)")
    with LiveView(ctx) as view:
        verdicts = Watcher(
            ctx.aws.ecs,
            ctx.settings.require_cluster(),
            ctx.clock,
            [Tracked(Target(service, deployment_id, td))],
            emit=view.event,
            options=WatchOptions(o.timeout, o.poll_interval, started=ctx.shared.get("_deploy_started")),
            enrichment=ctx.enrichment,
            tick=view.ticker,
        ).run()
    if verdicts.get(service) is not None and verdicts[service].outcome == vd.TIMED_OUT:
        from vegaops.errors import TimedOut

        raise TimedOut(
            f"{service}: timed out after {o.timeout:g}s waiting for the other deployment {deployment_id}",
            hint=f"it continues; watch it with: {line('deploy', 'watch', service)}, then deploy again",
        )


def watch_items(ctx: AppContext, items: list[Item], o: DeployOptions) -> None:
    """Watch several deployments together (through the ecs.watch step); verdicts land on the items."""
    from vegaops.deploy.view import LiveView
    from vegaops.runbook import engine
    from vegaops.runbook.engine import RunFailed
    from vegaops.steps.ecs import DeployFailed, WatchDeployments, WatchParams

    params = WatchParams(
        services=[it.service for it in items],
        deployments={it.service: str(it.deployment_id) for it in items},
        task_definitions={it.service: it.task_definition for it in items},
        previous={it.service: it.previous for it in items if it.previous},
        timeout=o.timeout,
        poll_interval=o.poll_interval,
        rollback_on_failure=o.rollback_on_failure,
        wait_until=o.wait_until,
    )
    verdicts: dict[str, vd.Verdict] = {}
    with LiveView(ctx) as view:
        ctx.shared["_deploy_emit"] = view.event
        ctx.shared["_deploy_tick"] = view.ticker
        try:
            report = engine.run(ctx, "deploy-watch", [engine.single(WatchDeployments, params)])
            verdicts = report.steps[0].outputs.get("verdicts", {})
            for it in items:
                if it.service not in verdicts and report.steps[0].outputs.get("outcomes", {}).get(it.service):
                    verdicts[it.service] = vd.Verdict(vd.SUCCEEDED, (f"deployment {it.deployment_id} succeeded",))
        except RunFailed as exc:
            if not isinstance(exc.cause, DeployFailed):
                raise
            verdicts = exc.cause.verdicts
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted: the deployment continues in AWS",
                hint=f"the deployment continues; re-attach with: {line('deploy', 'watch', *(it.key for it in items))}",
            ) from None
        finally:
            ctx.shared.pop("_deploy_emit", None)
            ctx.shared.pop("_deploy_tick", None)
    for it in items:  # (the ecs.watch step recorded each verdict on its revision)
        it.verdict = verdicts.get(it.service)


def _result(
    ctx: AppContext, o: DeployOptions, items: list[Item], start: float, changes: list[dict[str, Any]], planned: bool
) -> Result:
    from vegaops.output.result import Fields, Result, View
    from vegaops.steps.ecs import verdict_error

    duration = round(ctx.clock.monotonic() - start, 1)
    ecs = ctx.aws.ecs
    rows: list[dict[str, Any]] = []
    verdicts: dict[str, vd.Verdict] = {}
    for it in items:
        v = it.verdict
        if it.already:
            v = vd.Verdict(
                vd.SUCCEEDED,
                (f"already deployed: {vd.short_td(it.task_definition)} runs {it.image.digest if it.image else ''}",),
            )
        if v is not None:
            verdicts[it.service] = v
        outcome = "planned" if planned else (v.outcome if v else "unknown")
        rows.append(
            {
                "service": it.service,
                "tag": o.tag,
                "image": pinned(ctx, it) if it.image else None,
                "digest": it.image.digest if it.image else None,
                "promoted_from": it.promote_from,
                "old_task_definition": it.previous,
                "new_task_definition": it.task_definition or None,
                "deployment_id": it.deployment_id,
                "reattached": it.reattach,
                "already_deployed": it.already,
                "outcome": outcome,
                "exit_code": v.exit_code if v else None,
                "reasons": list(v.reasons) if v else [],
                "rollback_to": v.rollback_to if v else None,
                "failing": v.failing if v else None,
                "alarms": list(v.alarms) if v else [],
                "superseded_by": dict(v.superseded_by) if v and v.superseded_by else None,
            }
        )
    watcher = ctx.shared.get("_deploy_watcher")
    data = {
        "tag": o.tag,
        "env": ctx.settings.env,
        "services": rows,
        "duration": duration,
        "api_calls": {
            "ecs": dict(ecs.calls),
            "ecs_total": ecs.total_calls,
            "polls": watcher.polls if watcher else 0,
            "ecs_watch": watcher.calls if watcher else 0,
        },
        # enrichment calls that were denied, unsupported or failing (the verdict did not depend on them)
        "skipped": ctx.enrichment.as_json(),
    }
    views: list[View] = []
    for r in rows:
        views.append(
            Fields(
                [
                    ("tag", o.tag + (f" ({short_digest(r['digest'])})" if r["digest"] else "")),
                    ("image", r["image"] if ctx.output.verbose else short_image(r["image"])),
                    ("promoted from", r["promoted_from"]),
                    (
                        "task definition",
                        f"{vd.short_td(r['old_task_definition'])} -> {vd.short_td(r['new_task_definition'])}",
                    ),
                    ("deployment", r["deployment_id"]),
                    ("outcome", r["outcome"]),
                    ("reasons", list(r["reasons"]) or None),
                ],
                title=r["service"],
            )
        )
    if planned:
        return Result(
            command=ctx.command,
            status="planned" if changes else "unchanged",
            changes=changes,
            data=data,
            views=views,
            message=f"plan: {len(changes)} change(s) (dry run, nothing was changed)"
            if changes
            else "nothing to change",
        )
    error = verdict_error(verdicts)
    for it in items:
        if not it.already:
            core.audit(
                ctx,
                {
                    "service": it.service,
                    "tag": o.tag,
                    "digest": it.image.digest if it.image else None,
                    "task_definition": it.task_definition,
                    "previous": it.previous,
                    "deployment_id": it.deployment_id,
                    "outcome": it.verdict.outcome if it.verdict else None,
                    "duration": duration,
                },
            )
    if error is None:
        all_already = all(it.already for it in items)
        message = (
            f"already deployed: {o.tag} ({', '.join(it.service for it in items)})"
            if all_already
            else f"deployed {o.tag} to {', '.join(it.service for it in items)} in {took(duration)}"
        )
        reached = [it for it in items if it.verdict is not None and it.verdict.outcome == vd.REACHED]
        if reached:  # --wait-until: the deployments go on in ECS
            message = (
                f"{', '.join(it.service for it in reached)}: reached {o.wait_until} in {took(duration)}; the "
                f"deployment goes on in ECS: follow it to its verdict with "
                + line("deploy", "watch", *(it.key for it in reached))
            )
        return Result(
            command=ctx.command,
            status="unchanged" if all_already else "changed",
            changes=changes,
            data=data,
            views=views,
            message=message,
        )
    return Result(
        command=ctx.command,
        status="failed",
        exit_code=int(error.exit_code),
        changes=changes,
        data=data,
        views=views,
        errors=[error.to_dict()],
    )


def watch_command(
    ctx: AppContext,
    names: list[str],
    timeout: float,
    poll_interval: float | None,
    rollback_on_failure: bool,
    wait_until: str | None = None,
) -> Result:
    """``vegaops deploy watch SERVICE``: re-attach to the in-flight deployment."""
    from vegaops.output.result import Result
    from vegaops.steps.ecs import in_progress

    start = ctx.clock.monotonic()
    ctx.shared["_deploy_started"] = start
    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    pairs = selected(ctx, names)
    found, missing = ecs.describe_services(cluster, [n for _, n in pairs])
    if missing:
        raise NotFoundError(f"service(s) not found in cluster {cluster}: {', '.join(missing)}")
    items: list[Item] = []
    for key, name in pairs:
        svc = found[name]
        flight = in_progress(svc)
        if flight is None:
            _settle(ctx, name, svc)  # nothing to watch: record what the last (maybe interrupted) deploy became
            continue
        # ECS rolling back a deployment (a hook, an alarm, a stop, a person): watch the one rolled back, so the
        # verdict is that deployment's (5, naming why), never the rollback's success
        flight = rolled_back_flight(ctx, cluster, name, svc) or flight
        others = [d for d in svc.get("deployments", []) if d.get("id") != flight.get("id")]
        items.append(
            Item(
                key,
                name,
                previous=str(others[0].get("taskDefinition")) if others else "",
                task_definition=str(flight.get("taskDefinition")),
                deployment_id=str(flight.get("id")),
                reattach=True,
            )
        )
    if not items:
        return Result(
            command=ctx.command,
            status="unchanged",
            data={"services": [], "in_flight": False},
            message="no deployment in flight: "
            + ", ".join(f"{n} steady on {vd.short_td(found[n].get('taskDefinition'))}" for _, n in pairs),
        )
    o = DeployOptions(
        tag="",
        timeout=timeout,
        poll_interval=poll_interval,
        rollback_on_failure=rollback_on_failure,
        wait_until=wait_until,
    )
    watch_items(ctx, items, o)
    return _result(ctx, o, items, start, [], planned=False)


def rolled_back_flight(ctx: AppContext, cluster: str, name: str, svc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The deployment ECS is rolling back (ServiceDeployment status ROLLBACK_*), from DescribeServices' list;
    None when there is none or the ServiceDeployment API cannot be read (enrichment: the in-flight one then)."""
    from vegaops.deploy.strategy import rolling_back

    items = ctx.enrichment.call(
        "ecs:ListServiceDeployments",
        lambda: ctx.aws.ecs.list_service_deployments(cluster, name, max_results=5),
        None,
        "which deployment a rollback in flight rolls back",
    )
    return rolling_back(items or [], svc.get("deployments", []))


def rollback(
    ctx: AppContext, name: str, to_revision: int | None, timeout: float, poll_interval: float | None
) -> Result:
    from vegaops.output.result import Result
    from vegaops.runbook import engine
    from vegaops.steps.ecs import RollbackParams, RollbackService

    start = ctx.clock.monotonic()
    ctx.shared["_deploy_started"] = start
    ((key, service),) = selected(ctx, [name])
    lock = (
        None
        if ctx.options.dry_run
        else core.acquire_lock(ctx, service, f"rollback:{to_revision or 'auto'}", timeout + 300)
    )
    try:
        report = engine.run(
            ctx,
            "rollback",
            [engine.single(RollbackService, RollbackParams(service, to_revision))],
            then=[f"watch {service} until the deployment settles (up to {timeout:g}s)"],
        )
        out = report.steps[0].outputs
        if ctx.options.dry_run or report.steps[0].status != "done":
            message = "; ".join(report.steps[0].notes) or f"plan: roll back {service}"
            return Result(
                command=ctx.command,
                status="planned" if report.changes else "unchanged",
                changes=report.changes,
                data={"service": service, **_plain(out)},
                message=message,
            )
        it = Item(
            key,
            service,
            previous=str(out.get("previous_task_definition")),
            task_definition=str(out.get("task_definition")),
            deployment_id=out.get("deployment_id"),
        )
        o = DeployOptions(
            tag=f"rollback to {vd.short_td(it.task_definition)}", timeout=timeout, poll_interval=poll_interval
        )
        watch_items(ctx, [it], o)
        result = _result(ctx, o, [it], start, report.changes, planned=False)
        if result.exit_code == 0:
            result.message = f"rolled back {service}: {vd.short_td(it.previous)} -> {vd.short_td(it.task_definition)}"
        return result
    finally:
        if lock is not None:
            core.release_lock(ctx, lock)


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in d.items()}

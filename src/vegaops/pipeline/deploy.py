"""``vegaops deploy`` as one pipeline through the engine; ``deploy watch`` (``pipeline/watch.py``) and ``rollback``
(``pipeline/rollback.py``) are assembled from its pieces (the watch steps, the lock's release, the result).

The shape of aws/chalice's deployer: a *planner* turns the command into steps, the *executor* (the runbook engine)
plans them, shows them, asks once and applies them, or stops after the plan (``--dry-run``: a display-only
run), and the command's result is read from the engine's typed run result.

- Planning (:func:`plan_deploy`): the preflight, once, for a dry run and a real run alike (the services exist and
  are ACTIVE, the image exists or is promoted from the source repository, another deployment in flight is
  re-attached to, waited for (the ``ecs.wait-other`` gate, run by the engine before planning on; a dry run shows
  it and does not wait) or refused; ``deploy/preflight.py``), then the steps: ``deploy.lock`` per service,
  ``ecs.record-outcomes`` (what earlier deploys became, resolved from ECS), ``ecr.promote`` and
  ``ecs.register`` for every service, then ``ecs.deploy`` for every service (a failure while preparing one
  leaves every service as it was), the ``ecs.watch`` gate, with ``--rollback-on-failure`` the
  ``ecs.rollback-on-failure`` contingency per service, then ``ecs.tag-outcome`` (applied even when a
  deployment failed) and ``ecs.prune`` (after a success).
- Reading the result: each step's outcome from the report (``RunReport``): the deployments from the
  ``ecs.deploy`` outputs, the verdicts and their cost from the watch's ``WatchResult``.

Nothing in ``vegaops.deploy`` imports steps: deploy/ is the domain (watch, verdicts, outcomes, locks), steps/
use it, this module assembles them.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import line
from vegaops.deploy import core, preflight
from vegaops.deploy import verdict as vd
from vegaops.deploy.core import selected
from vegaops.errors import Interrupted, NotFoundError, UsageError, VegaopsError
from vegaops.output.humanize import duration as took
from vegaops.output.humanize import short_digest, short_image
from vegaops.runbook import engine
from vegaops.runbook.model import StepCall

if TYPE_CHECKING:
    from vegaops.aws.ecr import Ecr, ImageRef
    from vegaops.context import AppContext
    from vegaops.deploy.watch import WatchResult
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport, StepReport

WATCH = "watch"  # the id of the watch step of a deploy, a deploy watch and a rollback
LOCK_SLACK = 300.0  # seconds a lock outlives --timeout (then a crashed deploy's lock expires)


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

    @property
    def moving(self) -> bool:
        """This deploy changes the service (not re-attached to a deployment in flight, not already deployed)."""
        return not (self.reattach or self.already)


@dataclass
class DeployPlan:
    """What planning made of the command: the services, the steps, what follows them, the locks to release."""

    items: list[Item]
    calls: list[StepCall]
    then: list[str]
    resume: str
    undo: dict[str, str]
    locks: list[core.Lock]
    wait: StepReport | None = None  # a dry run: the --wait-for-other gate, shown and not waited for


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


# --- planning -----------------------------------------------------------------------------------
def plan_deploy(ctx: AppContext, o: DeployOptions, start: float) -> DeployPlan:
    """The preflight (no change yet) and the steps of the deploy; the same for a dry run and a real run."""
    check_tag(ctx, o.tag)
    ecs = ctx.aws.ecs
    items: list[Item] = []
    for key, name in selected(ctx, o.services):
        repo = None
        try:
            repo = ctx.settings.service(key).ecr_repo
        except VegaopsError:
            repo = None
        items.append(Item(key, name, repo or name))
    found = preflight.services(ctx, [it.service for it in items])
    resolve_images(ctx, items, o.tag)

    waits: dict[str, Mapping[str, Any]] = {}  # service -> a deployment in flight that is not ours (--wait-for-other)
    for it in items:
        svc = found[it.service]
        image = pinned(ctx, it)
        flight = preflight.in_progress(svc)
        if flight is None:
            continue
        td = ecs.describe_task_definition(str(flight.get("taskDefinition")))
        if any(str(c.get("image")) == image for c in td.containers):
            it.reattach, it.deployment_id, it.task_definition = True, str(flight.get("id")), td.arn
            it.target_groups = [lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")]
            others = [d for d in svc.get("deployments", []) if d.get("id") != flight.get("id")]
            it.previous = str((others[0] if others else svc).get("taskDefinition"))
            ctx.output.info(f"{it.service}: deployment {it.deployment_id} of {image} is in flight; re-attaching")
            continue
        if not o.wait_for_other:
            raise preflight.another_deployment(it.service, flight)
        waits[it.service] = flight
    if waits:
        wait = wait_for_other(ctx, waits, o, start)
        if wait.status == "planned":  # a dry run: the wait is shown, not waited for; the deploy is planned after it
            return DeployPlan(items, [], [], "", {}, [], wait=wait)
        found = {**found, **preflight.services(ctx, list(waits))}  # the state after the wait

    for it in items:
        if it.reattach:
            continue
        svc = found[it.service]
        image = pinned(ctx, it)
        it.previous = str(svc.get("taskDefinition"))
        it.target_groups = [lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")]
        live = ecs.describe_task_definition(it.previous)
        if (
            any(str(c.get("image")) == image for c in live.containers)
            and preflight.in_progress(svc) is None
            and not o.force
        ):
            it.already, it.task_definition = True, live.arn
    forced = [it for it in items if it.already and o.force]
    for it in forced:
        it.already = False

    # Every lock, promotion and registration first (new revisions change no running task), then the deploys: a
    # failure while preparing one service leaves every service as it was.
    moving = [it for it in items if it.moving]
    ttl = o.timeout + LOCK_SLACK
    locks = [core.new_lock(ctx, it.service, o.tag, ttl) for it in moving]
    calls: list[StepCall] = [
        StepCall(
            f"lock-{it.key}",
            "deploy.lock",
            {"service": it.service, "tag": o.tag, "ttl": ttl, "holder": lock.holder},
            literal=True,
        )
        for it, lock in zip(moving, locks, strict=True)
    ]
    # what earlier (maybe interrupted) deploys left unknown: the running revision and newer ones
    calls += [
        StepCall(f"settle-{it.key}", "ecs.record-outcomes", {"service": it.service}, literal=True)
        for it in items
        if not it.reattach
    ]
    deploys: list[StepCall] = []
    for it in moving:
        sid = it.key
        if it in forced:
            deploys.append(
                StepCall(
                    f"deploy-{sid}",
                    "ecs.deploy",
                    {"service": it.service, "task_definition": it.task_definition, "force": True},
                    literal=True,
                )
            )
            continue
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
    calls += [*[c for c in deploys if c.id.startswith("deploy-") and not c.literal], *[c for c in deploys if c.literal]]
    watched = [it for it in items if not it.already]
    calls += watch_calls(ctx, watched, o, start, prune=True)
    calls += follow_calls(ctx, [it for it in watched if it.moving])
    calls += release_calls(moving, locks)

    then = []
    if watched:
        then.append(
            f"watch {', '.join(it.service for it in watched)} until each deployment settles "
            f"(up to {o.timeout:g}s{'; roll back on failure' if o.rollback_on_failure else ''})"
        )
    if any(c.uses == "schedules.follow" for c in calls):
        then.append(FOLLOW_THEN)
    prefix = engine.command_prefix(ctx)
    resume = shlex.join([*shlex.split(prefix), "deploy", "--tag", o.tag, *[it.key for it in items]])
    undo = {f"deploy-{it.key}": f"{prefix} rollback {it.key}" for it in moving}
    return DeployPlan(items, calls, then, resume, undo, locks)


def _deployed(it: Item, output: str) -> str:
    """What the watch and the records take from the service's deploy: known now (re-attached) or after apply."""
    value = it.deployment_id if output == "deployment_id" else it.task_definition
    return f"${{steps.deploy-{it.key}.{output}}}" if it.moving else str(value)


def watch_calls(
    ctx: AppContext, items: list[Item], o: DeployOptions, start: float, prune: bool = False
) -> list[StepCall]:
    """The watch gate over ``items``, the automatic rollback it may apply, the outcome records and the pruning."""
    if not items:
        return []
    calls = [
        StepCall(
            WATCH,
            "ecs.watch",
            {
                "services": [it.service for it in items],
                "deployments": {it.service: _deployed(it, "deployment_id") for it in items},
                "task_definitions": {it.service: _deployed(it, "task_definition") for it in items},
                "previous": {it.service: it.previous for it in items if it.previous},
                "timeout": o.timeout,
                "poll_interval": o.poll_interval,
                "rollback_on_failure": o.rollback_on_failure,
                "started": start,
                "wait_until": o.wait_until,
            },
        )
    ]
    if o.rollback_on_failure:
        calls += [
            StepCall(
                f"rollback-{it.service}",
                "ecs.rollback-on-failure",
                {"service": it.service, "deployment_id": _deployed(it, "deployment_id"), "previous": it.previous},
                contingent=True,
            )
            for it in items
        ]
    calls += [
        StepCall(
            f"record-{it.key}",
            "ecs.tag-outcome",
            {
                "service": it.service,
                "task_definition": _deployed(it, "task_definition"),
                "deployment_id": _deployed(it, "deployment_id"),
                "outcomes": f"${{steps.{WATCH}.final}}",
            },
            always=True,  # a failed deployment's verdict is recorded too
        )
        for it in items
    ]
    if not prune:  # a deploy prunes, a rollback or a watch does not
        return calls
    keep = int(ctx.settings.get("keep_revisions") or 10)
    calls += [
        StepCall(
            f"prune-{it.key}",
            "ecs.prune",
            {
                "service": it.service,
                "task_definition": _deployed(it, "task_definition"),
                "keep": keep,
                "outcomes": f"${{steps.{WATCH}.final}}",
            },
            always=True,  # one service failing does not keep the others' old revisions
        )
        for it in items
        if it.moving
    ]
    return calls


FOLLOW = "schedules-follow"
FOLLOW_THEN = "move the scheduled tasks (EventBridge) of each deployed family to its new revision once it succeeded"


def follow_calls(ctx: AppContext, items: list[Item]) -> list[StepCall]:
    """``schedules.follow`` after the watch: the schedules and rules that run a deployed family move to its new
    revision once that deployment succeeded (``schedules_follow = false`` in ``[env.X]``: not planned)."""
    from vegaops.schedules.core import enabled

    if not items or not enabled(ctx):
        return []
    return [
        StepCall(
            FOLLOW,
            "schedules.follow",
            {
                "task_definitions": {it.service: _deployed(it, "task_definition") for it in items},
                "outcomes": f"${{steps.{WATCH}.final}}",
            },
            always=True,  # one service failing does not keep the others' schedules on their old revision
        )
    ]


def release_calls(items: list[Item], locks: list[core.Lock]) -> list[StepCall]:
    """``deploy.release`` at the end of the run, whatever its verdict: the locks the run's ``deploy.lock`` took."""
    return [
        StepCall(
            f"release-{it.key}",
            "deploy.release",
            {"service": it.service, "holder": lock.holder},
            literal=True,
            always=True,
        )
        for it, lock in zip(items, locks, strict=True)
    ]


def release_left(ctx: AppContext, locks: list[core.Lock]) -> None:
    """A run stopped before its ``deploy.release`` steps (Ctrl-C, a crash in vegaops): release what it took, and
    say so, since the journal cannot."""
    for lock in locks:
        try:
            if core.release_lock(ctx, lock):
                ctx.output.warn(f"released {lock.name}: the run stopped before its release step")
        except Exception as exc:  # the verdict matters more than the lock cleanup
            ctx.output.warn(f"could not release {lock.name}: {exc}")


WAIT = "wait-other"  # the id of the --wait-for-other gate (the run "deploy-wait", before the deploy is planned)


def wait_for_other(
    ctx: AppContext, flights: Mapping[str, Mapping[str, Any]], o: DeployOptions, start: float
) -> StepReport:
    """--wait-for-other: the ``ecs.wait-other`` gate through the engine (run ``deploy-wait``), waiting until each
    deployment in ``flights`` (service -> someone else's deployment in flight) has ended, before the deploy is
    planned from the state after it. ``--timeout`` counts from the command's ``start``.

    The gate's report: ``done`` once waited, ``unchanged`` when every deployment had ended already, ``planned`` in
    a dry run, which shows the gate and does not wait (the deploy cannot be planned before the other deployment
    has ended: :func:`deploy` says so, exit 0). The wait timing out is exit 6 and Ctrl-C while waiting exit 130,
    both with nothing changed; how the other deployment ended is not this command's verdict."""
    call = StepCall(
        WAIT,
        "ecs.wait-other",
        {
            "deployments": {service: str(f.get("id")) for service, f in flights.items()},
            "task_definitions": {service: str(f.get("taskDefinition")) for service, f in flights.items()},
            "timeout": o.timeout,
            "poll_interval": o.poll_interval,
            "started": start,
        },
        literal=True,
    )
    report = engine.execute(ctx, "deploy-wait", [call])
    if report.interrupted is not None:
        services = list(flights)
        raise Interrupted(
            f"interrupted while waiting for the other deployment of {', '.join(services)}: nothing was changed",
            hint=f"it continues; watch it with: {line('deploy', 'watch', *services)}, then deploy again",
        )
    report.raise_for_failure()  # the wait timed out (exit 6), or the step could not read the services
    wait = report.step(WAIT)
    assert wait is not None
    return wait


# --- executing -----------------------------------------------------------------------------------
def deploy(ctx: AppContext, o: DeployOptions) -> Result:
    start = ctx.clock.monotonic()  # --timeout counts from here: waits for others, the watch
    planned = plan_deploy(ctx, o, start)
    if planned.wait is not None:
        return _waiting_result(ctx, o, planned.items, planned.wait)
    if ctx.options.dry_run:
        report = engine.execute(
            ctx, "deploy", planned.calls, then=planned.then, resume=planned.resume, undo=planned.undo
        )
        raise_for_failure(report)
        return deploy_result(ctx, o, planned.items, start, report, planned=True)
    if not planned.calls:  # every service runs the image already
        return deploy_result(ctx, o, planned.items, start, None, planned=False, pruned=True)
    from vegaops.ci import notify_deploy_start

    moving = [it.service for it in planned.items if it.moving]
    try:
        report = engine.execute(
            ctx,
            "deploy",
            planned.calls,
            then=planned.then,
            resume=planned.resume,
            undo=planned.undo,
            # announced once confirmed, so a declined deploy tells nobody it started
            before_apply=lambda: notify_deploy_start(ctx, o.tag, moving),
        )
    finally:
        release_left(ctx, planned.locks)  # normally the run's deploy.release steps did it
    raise_unless_verdict(report, planned.items)
    return deploy_result(ctx, o, planned.items, start, report, planned=False, pruned=True)


def _waiting_result(ctx: AppContext, o: DeployOptions, items: list[Item], wait: StepReport) -> Result:
    """A dry run of ``--wait-for-other`` while another deployment is in flight: the wait was shown, not waited for.
    The whole deploy waits with it (services without a deployment in flight too): a deploy is one plan, made
    from the state after the wait, with one confirmation, so the dry run cannot show it before then."""
    from vegaops.output.result import Result

    waiting = {c.target: str(c.detail.get("deployment")) for c in wait.changes}  # service -> deployment
    waits = ", ".join(f"{service} ({dep})" for service, dep in waiting.items())
    services = ", ".join(it.service for it in items)
    return Result(
        command=ctx.command,
        status="planned",
        data={
            "tag": o.tag,
            "env": ctx.settings.env,
            "services": [
                {
                    "service": it.service,
                    "tag": o.tag,
                    "outcome": "waiting",
                    "waiting_for": waiting.get(it.service),
                }
                for it in items
            ],
            "waiting_for": waiting,
            "steps": [wait.to_dict()],  # the wait-other gate, as planned
        },
        message=f"plan: wait for the other deployment of {waits} to end; the deploy of {o.tag} to {services} is "
        "planned once it has ended (dry run, nothing was changed): run it without --dry-run to wait and deploy, or "
        "dry-run again after it ends",
    )


def raise_for_failure(report: RunReport, alone: Sequence[str] = ()) -> None:
    """The error of a run that failed before a verdict. A lock held by another deploy is the lock's own error, as
    the planning's preflight says it; a step in ``alone`` fails as the one step it was before (its message)."""
    failed = report.failed
    if failed is None or failed.exception is None:
        return
    if failed.uses == "deploy.lock":
        raise failed.exception
    if failed.id in alone:
        raise engine.RunFailed(failed.exception, dataclasses.replace(report, steps=[failed]), failed.id)
    report.raise_for_failure()


def raise_unless_verdict(report: RunReport, items: list[Item]) -> None:
    """The run's typed result into the items; an error unless the run ended at the watch's verdict."""
    stopped = report.interrupted
    if stopped is not None:
        raise Interrupted(
            "interrupted: the deployment continues in AWS",
            hint=f"the deployment continues; re-attach with: {line('deploy', 'watch', *(it.key for it in items))}",
        )
    failed = report.failed
    if failed is not None and failed.id != WATCH:
        raise_for_failure(report)
    for it in items:
        dep = report.step(f"deploy-{it.key}")
        if dep is not None and dep.status in ("done", "unchanged", "failed"):
            reg = report.step(f"register-{it.key}")
            registered = reg.outputs.get("task_definition") if reg is not None else None
            it.task_definition = str(dep.outputs.get("task_definition") or registered)
            it.deployment_id = dep.outputs.get("deployment_id")
            if it.deployment_id is None:
                it.already = True
    watch = report.step(WATCH)
    result = watch.outcome.watch if watch is not None and watch.outcome is not None else None
    verdicts = dict(result.verdicts) if result is not None else {}
    outcomes = watch.outputs.get("outcomes", {}) if watch is not None else {}
    for it in items:
        if it.service not in verdicts and outcomes.get(it.service) == vd.SUCCEEDED:
            verdicts[it.service] = vd.Verdict(vd.SUCCEEDED, (f"deployment {it.deployment_id} succeeded",))
        if not it.already:
            it.verdict = verdicts.get(it.service)


def _watch_result(report: RunReport | None) -> WatchResult | None:
    watch = report.step(WATCH) if report is not None else None
    return watch.outcome.watch if watch is not None and watch.outcome is not None else None


def _deregistered(report: RunReport | None, items: list[Item]) -> dict[str, list[str]]:
    removed: dict[str, list[str]] = {}
    for it in items:
        prune = report.step(f"prune-{it.key}") if report is not None else None
        gone = prune.outputs.get("deregistered") if prune is not None and prune.status == "done" else None
        if gone:
            removed[it.service] = list(gone)
    return removed


def deploy_result(
    ctx: AppContext,
    o: DeployOptions,
    items: list[Item],
    start: float,
    report: RunReport | None,
    planned: bool,
    pruned: bool = False,
) -> Result:
    from vegaops.output.result import Fields, Result, View
    from vegaops.steps.ecs import verdict_error

    changes = report.changes if report is not None else []
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
    watched = _watch_result(report)
    data: dict[str, Any] = {
        "tag": o.tag,
        "env": ctx.settings.env,
        "services": rows,
        "duration": duration,
        "api_calls": {
            "ecs": dict(ecs.calls),
            "ecs_total": ecs.total_calls,
            "polls": watched.polls if watched else 0,
            "ecs_watch": watched.calls if watched else 0,
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
    if pruned:  # a deploy: the old revisions it deregistered (service -> revisions)
        data["deregistered"] = _deregistered(report, items)
    follow = report.step(FOLLOW) if report is not None else None
    if follow is not None:
        data["schedules"] = {"moved": dict(follow.outputs.get("moved") or {}), "status": follow.status}
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
        if data.get("schedules", {}).get("moved"):
            message += f"; scheduled tasks moved: {', '.join(sorted(data['schedules']['moved']))}"
        reached = [it for it in items if it.verdict is not None and it.verdict.outcome == vd.REACHED]
        if reached:  # --wait-until: the deployments go on in ECS
            message = (
                f"{', '.join(it.service for it in reached)}: reached {o.wait_until} in {took(duration)}; the "
                "deployment goes on in ECS: follow it to its verdict with "
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


__all__ = [
    "DeployOptions",
    "DeployPlan",
    "Item",
    "deploy",
    "deploy_result",
    "follow_calls",
    "plan_deploy",
    "raise_for_failure",
    "raise_unless_verdict",
    "release_calls",
    "release_left",
    "watch_calls",
]

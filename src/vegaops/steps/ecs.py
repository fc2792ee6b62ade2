"""ECS steps: ``ecs.register``, ``ecs.deploy``, ``ecs.watch``, ``ecs.rollback-on-failure``, ``ecs.rollback`` and
``ecs.wait-other``.

- ``ecs.register``: a new task definition revision cloned from the service's live one with only the
  chosen container's image changed (tagged with the release tag and the deployer). Empty plan when
  the live revision already runs that image, or when the newest revision of the family is exactly
  the wanted clone (re-run after an interrupted deploy). Outputs ``task_definition``,
  ``previous_task_definition``, ``registered``.
- ``ecs.deploy``: UpdateService to a task definition (or force a new deployment). Preflight: the
  service exists and is ACTIVE, no other deployment in progress (exit 8). Empty plan when the
  service already runs it. Outputs ``deployment_id``. What the revision it replaces became is recorded by
  an ``ecs.record-outcomes`` step before it (``deploy`` and the shipped runbooks have one).
- ``ecs.watch``: a gate: watch deployments until they settle; the outcome carries the verdicts (a
  ``WatchResult``) and is a failure (exit 5, 6, 7, 8) when one did not succeed.
- ``ecs.rollback-on-failure``: stop a deployment whose tasks keep failing with a rollback; a contingency
  the watch applies through the engine (``--rollback-on-failure``).
- ``ecs.rollback``: deploy the newest revision older than the running one whose deployment is known to
  have succeeded (recorded, or resolved from ECS: ``deploy/outcomes.py``), or ``to_revision``. Unknown
  and failed outcomes never qualify; none known-good is exit 8, nothing older or a missing revision 3.
  Outputs ``revisions_to_record``: the revision it moves the service off and those whose outcomes the search
  resolved from ECS, for an ``ecs.record-outcomes`` step after it (``rollback`` and the shipped runbook have
  one; that step resolves them again and writes only what is not recorded yet).
- ``ecs.wait-other``: a gate: wait until someone else's deployments in flight have ended (``deploy
  --wait-for-other``, before the deploy is planned); only the wait timing out fails it (exit 6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.aws.ecs import clone_spec, family_of, revision_of
from vegaops.cmdline import prog
from vegaops.deploy import autorollback, core, preflight
from vegaops.deploy import verdict as vd
from vegaops.deploy.autorollback import RollbackStart
from vegaops.deploy.outcomes import rollback_target
from vegaops.deploy.preflight import PLAN_CACHE_S, in_progress
from vegaops.deploy.strategy import assess as strategy_assess
from vegaops.deploy.strategy import refuse_controller, strategy_from_service
from vegaops.errors import NeedsHuman, OperationFailed, Refused, TimedOut, VegaopsError
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import ServiceTypeDef

    from vegaops.aws.ecs import Ecs, TaskDefinition
    from vegaops.context import AppContext
    from vegaops.deploy.snapshot import Target
    from vegaops.deploy.watch import Rollback, WatchResult

__all__ = ["PLAN_CACHE_S", "describe_service", "in_progress", "rollback_target", "verdict_error"]


def describe_service(ctx: AppContext, service: str) -> ServiceTypeDef:
    """The service, through the deploy preflight (exists, ACTIVE)."""
    return preflight.services(ctx, [service])[service]


# --- ecs.register ---------------------------------------------------------------------------
@dataclass
class RegisterParams:
    service: str
    image: str  # the image reference to deploy, pinned by digest: repo@sha256:...
    tag: str = ""  # the release tag, kept visible (task definition tag vegaops:tag)
    container: str | None = None


class RegisterTaskDefinition(Step[RegisterParams]):
    id: ClassVar[str] = "ecs.register"
    Params = RegisterParams
    outputs = ("task_definition", "previous_task_definition", "container", "registered")
    description = "register a task definition revision with a new image (everything else preserved)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        service = core.service_name(ctx, p.service)
        ecs = ctx.aws.ecs
        svc = describe_service(ctx, service)
        live = ecs.describe_task_definition(svc["taskDefinition"])
        configured, repo = p.container, _repo_of(p.image)
        try:
            svc_cfg = ctx.settings.service(p.service)
            configured = configured or svc_cfg.container
            repo = svc_cfg.ecr_repo or repo
        except VegaopsError:
            pass
        container = core.choose_container(live, configured, repo)
        current_image = str((live.container(container) or {}).get("image", ""))
        plan = Plan(
            step=self.id,
            outputs={
                "task_definition": live.arn,
                "previous_task_definition": live.arn,
                "container": container,
                "registered": False,
            },
        )
        if current_image == p.image:
            plan.notes.append(f"{service}: {live.family}:{live.revision} already runs {p.image}")
            return plan
        spec = clone_spec(live, {container: p.image})
        reuse = _identical_latest(ecs, live, spec)
        if reuse is not None:
            plan.outputs["task_definition"] = reuse.arn
            plan.notes.append(f"{service}: {reuse.family}:{reuse.revision} already registered with {p.image}")
            return plan
        tags = {core.TAG_KEY: p.tag or p.image.rsplit(":", 1)[-1], core.DEPLOYER_KEY: core.deployer()}
        plan.state = {"spec": clone_spec(live, {container: p.image}, tags)}
        # What a dry run hands to the steps after this one: the revision apply will register, so that a
        # planned ecs.deploy shows the deployment run makes (not "already runs" the live one).
        new_revision = f"{live.family}:{_next_revision(ecs, live)}"
        plan.outputs["task_definition"] = new_revision
        diff = core.td_diff(core.strip_tags(live.registrable()), core.strip_tags(spec))
        plan.changes.append(
            Change(
                "create",
                new_revision,
                f"register {live.family} revision from {live.family}:{live.revision}: {container} -> "
                f"{p.image}" + (f" ({p.tag})" if p.tag else ""),
                {
                    "image": {"from": current_image, "to": p.image},
                    "task definition diff": "\n        ".join(["", *diff]) if diff else "none",
                    "tags": ", ".join(f"{k}={v}" for k, v in tags.items()),
                },
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        new = ctx.aws.ecs.register_task_definition(plan.state["spec"])
        outcome.outputs.update({"task_definition": new.arn, "registered": True})
        outcome.changes.extend(plan.changes)
        return outcome


def _repo_of(image: str) -> str:
    from vegaops.images.reference import repository_of

    return repository_of(image)


def _next_revision(ecs: Ecs, live: TaskDefinition) -> int:
    """The revision number RegisterTaskDefinition will give: one past the family's newest (the list is read
    once per command anyway). A newest revision deregistered by hand keeps its number, so the label may then
    be one short; the deployment shown is the same."""
    arns = ecs.list_task_definitions(live.family)
    return max([live.revision, *(revision_of(a) or 0 for a in arns)]) + 1


def _identical_latest(ecs: Ecs, live: TaskDefinition, spec: Mapping[str, Any]) -> TaskDefinition | None:
    arns = ecs.list_task_definitions(live.family)
    if not arns or (revision_of(arns[0]) or 0) <= live.revision:
        return None
    latest = ecs.describe_task_definition(arns[0])
    return latest if core.strip_tags(latest.registrable()) == core.strip_tags(spec) else None


# --- ecs.deploy -----------------------------------------------------------------------------
@dataclass
class DeployParams:
    service: str
    task_definition: str
    force: bool = False
    allow_in_progress: bool = False


class DeployService(Step[DeployParams]):
    id: ClassVar[str] = "ecs.deploy"
    Params = DeployParams
    outputs = ("deployment_id", "previous_task_definition", "task_definition")
    description = "update an ECS service to a task definition (or force a new deployment)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        service = core.service_name(ctx, p.service)
        svc = describe_service(ctx, service)
        refuse_controller(svc, service)  # CODE_DEPLOY / EXTERNAL: exit 2 before any change
        current = str(svc.get("taskDefinition", ""))
        plan = Plan(
            step=self.id,
            outputs={"previous_task_definition": current, "task_definition": p.task_definition},
            state={"service": service},
        )
        flight = in_progress(svc)
        same = _same_td(current, p.task_definition)
        if same and not p.force:
            primary: Mapping[str, Any] = next(
                (d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {}
            )
            plan.outputs["deployment_id"] = primary.get("id")
            plan.notes.append(f"{service} already runs {vd.short_td(current)}")
            return plan
        if flight is not None and not p.allow_in_progress:
            raise preflight.another_deployment(service, flight)
        what = "force a new deployment of" if same else "deploy"
        plan.changes.append(
            Change(
                "deploy",
                service,
                f"{what} {service}: {vd.short_td(current)} -> {vd.short_td(p.task_definition)}",
                {
                    "task_definition": {"from": vd.short_td(current), "to": vd.short_td(p.task_definition)},
                    "records": _records(p.task_definition),
                },
            )
        )
        plan.state["force"] = same
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        service = plan.state["service"]
        updated = ctx.aws.ecs.update_service(
            ctx.settings.require_cluster(),
            service,
            task_definition=self.params.task_definition,
            force_new_deployment=bool(plan.state.get("force") or self.params.force),
        )
        outcome.outputs["deployment_id"] = deployment_id_of(updated, self.params.task_definition)
        outcome.changes.extend(plan.changes)
        core.tag_deployment_started(ctx, self.params.task_definition, outcome.outputs["deployment_id"])
        return outcome


def _records(task_definition: str) -> str:
    """The bookkeeping a deployment writes (shown in plans: a dry run lists every write of the run)."""
    return (
        f"tags on {vd.short_td(task_definition)}: {core.DEPLOYMENT_KEY} (as UpdateService answers), "
        f"{core.OUTCOME_KEY} (at the verdict)"
    )


def _same_td(a: str, b: str) -> bool:
    return a == b or (family_of(a) == family_of(b) and revision_of(a) == revision_of(b) is not None)


def deployment_id_of(service: Mapping[str, Any], task_definition: str) -> str | None:
    """The deployment UpdateService started: currentServiceDeployment's PRIMARY, newest on our definition."""
    deployments = service.get("deployments", [])
    ours = [d for d in deployments if d.get("status") == "PRIMARY"] or [
        d for d in deployments if _same_td(str(d.get("taskDefinition", "")), task_definition)
    ]
    if not ours:
        return None
    ours.sort(key=lambda d: str(d.get("createdAt", "")), reverse=True)
    return str(ours[0].get("id"))


# --- ecs.watch ------------------------------------------------------------------------------
@dataclass
class WatchParams:
    services: list[str]
    deployments: dict[str, str] = field(default_factory=dict)  # service -> exact deployment id
    deployment_id: str | None = None  # the exact deployment id when watching one service
    task_definitions: dict[str, str] = field(default_factory=dict)  # service -> our task definition
    previous: dict[str, str] = field(default_factory=dict)  # service -> task definition before the deploy
    timeout: float = 900.0
    poll_interval: float | None = None
    rollback_on_failure: bool = False
    wait_until: str | None = None  # a lifecycle stage (or "paused"): the watch ends there healthy (exit 0)
    started: float | None = None  # the clock's monotonic time --timeout counts from (the command's start)


class WatchDeployments(Step[WatchParams]):
    """A gate: waits for the deployments and reads their verdicts. Its outcome carries them (``watch``); a
    deployment that did not succeed makes the outcome a failure (exit 5, 6, 7 or 8 from the verdict). Outputs
    ``outcomes`` (service -> outcome) and ``final`` (service -> the final outcome of a watched deployment: what
    ``ecs.tag-outcome`` records). With ``rollback_on_failure`` the rollback is the run's
    ``ecs.rollback-on-failure`` step, applied through the engine when tasks keep failing."""

    id: ClassVar[str] = "ecs.watch"
    gate = True
    Params = WatchParams
    outputs = ("outcomes", "final")
    description = "watch deployments until they settle; exit code from the verdict"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy.snapshot import Target, snapshot_from_api

        p = self.params
        cluster = ctx.settings.require_cluster()
        names = [core.service_name(ctx, s) for s in p.services]
        # Right after a deploy the UpdateService answers are fresh descriptions: no extra call for them.
        found = ctx.aws.ecs.require_services(cluster, names, max_age=PLAN_CACHE_S, inactive=True)
        plan = Plan(step=self.id, outputs={"outcomes": {}, "final": {}})
        targets: list[dict[str, Any]] = []
        for given, name in zip(p.services, names, strict=True):
            svc = found[name]
            dep_id = p.deployments.get(name) or p.deployments.get(given)
            if dep_id is None and len(names) == 1:
                dep_id = p.deployment_id
            if dep_id is None:
                flight = in_progress(svc)
                if flight is None:
                    plan.notes.append(f"{name}: steady on {vd.short_td(svc.get('taskDefinition'))}, nothing to watch")
                    plan.outputs["outcomes"][name] = "steady"
                    continue
                dep_id = str(flight.get("id"))
                td = str(flight.get("taskDefinition"))
            else:
                td = p.task_definitions.get(name) or str(svc.get("taskDefinition"))
            target = Target(name, dep_id, td, p.previous.get(name))
            # (blue/green, linear, canary: not before the bake is over and the old revision gone)
            now = strategy_assess(strategy_from_service(svc), target, [snapshot_from_api(name, 0.0, svc)])
            if now.outcome == vd.SUCCEEDED:
                plan.notes.append(f"{name}: deployment {dep_id} already succeeded")
                plan.outputs["outcomes"][name] = vd.SUCCEEDED
                continue
            targets.append(
                {
                    "service": name,
                    "deployment_id": dep_id,
                    "task_definition": td,
                    "previous": p.previous.get(name),
                    "target_groups": [
                        lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")
                    ],
                }
            )
            plan.changes.append(
                Change("watch", name, f"watch {name} deployment {dep_id} of {vd.short_td(td)}", {"deployment": dep_id})
            )
        plan.state["targets"] = targets
        if targets:  # their verdicts are known after the watch
            del plan.outputs["final"]
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        rollback = _rollback_through(ctx, self) if self.params.rollback_on_failure else None
        result = watch_targets(ctx, plan.state["targets"], self.params, rollback)
        verdicts = result.verdicts
        final = {t["service"]: verdicts[t["service"]] for t in plan.state["targets"] if t["service"] in verdicts}
        outcome.outputs["outcomes"] = {**plan.outputs["outcomes"], **result.outcomes}
        outcome.outputs["final"] = {s: v.outcome for s, v in final.items() if v.final}
        outcome.changes.extend(plan.changes)
        outcome.watch = result
        outcome.error = verdict_error(verdicts)
        return outcome


def _rollback_through(ctx: AppContext, watch: Step[Any]) -> Rollback | None:
    """The watch's automatic rollback as a step of the run (``ecs.rollback-on-failure``): planned, shown,
    applied and journaled by the engine, the only way a watch rolls back (applied outside the engine, where there
    is no contingency, the watcher refuses ``rollback_on_failure``)."""
    contingency = watch.contingency
    if contingency is None:
        return None

    def rollback(target: Target) -> RollbackStart:
        step = RollbackOnFailure(
            RollbackOnFailureParams(target.service, target.deployment_id, target.previous_task_definition or "")
        )
        done = contingency(f"rollback-{target.service}", step)
        return RollbackStart(str(done.outputs.get("by") or ""), str(done.outputs.get("how") or ""))

    return rollback


def watch_targets(
    ctx: AppContext, targets: list[dict[str, Any]], p: WatchParams, rollback: Rollback | None = None
) -> WatchResult:
    """Watch ``targets`` to their verdicts in the live view (the deploy watch of ``vegaops.deploy.watch``)."""
    from vegaops.deploy.snapshot import Target
    from vegaops.deploy.view import LiveView
    from vegaops.deploy.watch import Tracked, Watcher, WatchOptions

    tracked = [
        Tracked(
            Target(t["service"], t["deployment_id"], t["task_definition"], t.get("previous")),
            list(t.get("target_groups", [])),
        )
        for t in targets
    ]
    with LiveView(ctx) as view:
        return Watcher(
            ctx.aws.ecs,
            ctx.settings.require_cluster(),
            ctx.clock,
            tracked,
            elbv2=ctx.aws.elbv2 if any(t.target_groups for t in tracked) else None,
            emit=view.event,
            options=WatchOptions(
                p.timeout, p.poll_interval, p.rollback_on_failure, started=p.started, wait_until=p.wait_until
            ),
            log_tail=_log_tail(ctx),
            enrichment=ctx.enrichment,
            tick=view.ticker,
            rollback=rollback,
        ).watch()


# --- ecs.rollback-on-failure ----------------------------------------------------------------
@dataclass
class RollbackOnFailureParams:
    service: str
    deployment_id: str  # the deployment whose tasks keep failing
    previous: str = ""  # the task definition before it (UpdateService back to it)


class RollbackOnFailure(Step[RollbackOnFailureParams]):
    """``--rollback-on-failure``: stop a deployment whose tasks keep failing with a rollback
    (StopServiceDeployment(ROLLBACK), else UpdateService back to the previous revision). A contingency of a
    deploy: planned with it, applied when the watch sees the tasks keep failing. Empty plan when the
    deployment is no longer the one rolling out (finished, or ECS is rolling it back already)."""

    id: ClassVar[str] = "ecs.rollback-on-failure"
    Params = RollbackOnFailureParams
    outputs = ("by", "how")
    description = "roll back a deployment whose tasks keep failing (when the watch sees it)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        service = core.service_name(ctx, p.service)
        svc = describe_service(ctx, service)
        ours = next((d for d in svc.get("deployments", []) if d.get("id") == p.deployment_id), None)
        plan = Plan(step=self.id, outputs={"by": "", "how": ""}, state={"service": service})
        if p.previous and _same_td(str(svc.get("taskDefinition", "")), p.previous):
            plan.outputs["how"] = f"{service} is back on {vd.short_td(p.previous)}"
            plan.notes.append(f"{service}: back on {vd.short_td(p.previous)} already, nothing to roll back")
            return plan
        if ours is None or ours.get("status") != "PRIMARY" or ours.get("rolloutState") != "IN_PROGRESS":
            plan.outputs["how"] = f"deployment {p.deployment_id} is not rolling out"
            plan.notes.append(f"{service}: deployment {p.deployment_id} is not rolling out, nothing to roll back")
            return plan
        if not p.previous:
            plan.outputs["how"] = autorollback.NO_PREVIOUS.how
        items = ctx.enrichment.call(
            "ecs:ListServiceDeployments",
            lambda: ctx.aws.ecs.list_service_deployments(ctx.settings.require_cluster(), service, max_results=5),
            None,
            autorollback.LOST_LIST,
        )
        if items is None and getattr(ctx.aws.ecs, "deployments_api", None) is False:
            from vegaops.aws.optional import UNSUPPORTED

            ctx.enrichment.record(
                "ecs:ListServiceDeployments", UNSUPPORTED, autorollback.LOST_LIST, "the endpoint does not implement it"
            )
        arn = autorollback.active_deployment(items)
        if arn is None and not p.previous:
            plan.notes.append(f"{service}: no previous task definition known, nothing to roll back to")
            return plan
        plan.state["arn"] = arn
        plan.changes.append(
            Change(
                "rollback",
                service,
                f"roll back {service}: stop deployment {p.deployment_id} ({autorollback.how(arn, p.previous)})",
                {"deployment": p.deployment_id, "to": vd.short_td(p.previous) if p.previous else None},
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        p = self.params
        started = autorollback.start(
            ctx.aws.ecs,
            ctx.settings.require_cluster(),
            plan.state["service"],
            p.previous or None,
            plan.state.get("arn"),
            ctx.enrichment,
        )
        outcome.outputs.update({"by": started.by, "how": started.how})
        if started.started:
            outcome.changes.extend(plan.changes)
        return outcome


def _log_tail(ctx: AppContext) -> Any:
    """(task definition, stopped task) -> the last lines of its failed container's awslogs stream."""
    cache: dict[str, TaskDefinition] = {}

    def tail(task_definition: str, task: dict[str, Any]) -> list[str]:
        if task_definition not in cache:
            cache[task_definition] = ctx.aws.ecs.describe_task_definition(task_definition)
        td = cache[task_definition]
        containers = task.get("containers", [])
        failed = [c for c in containers if c.get("exitCode") not in (None, 0)] or containers
        name = str(failed[0].get("name")) if failed else (td.containers[0].get("name") if td.containers else "")
        options = ((td.container(str(name)) or {}).get("logConfiguration") or {}).get("options") or {}
        group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
        if not group or not prefix:
            return []
        task_id = str(task.get("taskArn", "")).rsplit("/", 1)[-1]
        return ctx.aws.logs.last_lines(group, f"{prefix}/{name}/{task_id}")

    return tail


def verdict_error(verdicts: dict[str, vd.Verdict]) -> VegaopsError | None:
    """The error for the worst outcome (7 > 6 > 5), or None when every deployment succeeded."""
    bad = {s: v for s, v in verdicts.items() if v.exit_code != 0}
    if not bad:
        return None
    order = {vd.FAILED: 0, vd.TIMED_OUT: 1, vd.SUPERSEDED: 2, vd.ROLLED_BACK: 3}
    service, worst = min(bad.items(), key=lambda kv: order.get(kv[1].outcome, 3))
    text = "; ".join(f"{s}: {v.outcome.replace('_', ' ')}: {'; '.join(v.reasons)}" for s, v in bad.items())
    if worst.outcome == vd.FAILED:
        return NeedsHuman(text, hint=f"inspect with: {prog()} status {service}; then {prog()} rollback {service}")
    if worst.outcome == vd.TIMED_OUT:
        return TimedOut(text, hint=f"the deployment continues; re-attach with: {prog()} deploy watch {service}")
    if worst.outcome == vd.SUPERSEDED:
        return Refused(text, hint=f"another deployment replaced this one; see: {prog()} status {service}")
    return OperationFailed(text, hint=f"see why: {prog()} debug {service}")


# --- ecs.rollback ---------------------------------------------------------------------------
@dataclass
class RollbackParams:
    service: str
    to_revision: int | None = None


class RollbackService(Step[RollbackParams]):
    id: ClassVar[str] = "ecs.rollback"
    Params = RollbackParams
    # revisions_to_record: the revision the service moves off and those whose outcomes the target search resolved
    # from ECS and are not recorded yet: what an ``ecs.record-outcomes`` step after this one records
    outputs = ("deployment_id", "task_definition", "previous_task_definition", "revisions_to_record")
    description = "redeploy the newest known-good revision older than the running one (or a given revision)"

    def plan(self, ctx: AppContext) -> Plan:
        service = core.service_name(ctx, self.params.service)
        svc = describe_service(ctx, service)
        refuse_controller(svc, service)  # CODE_DEPLOY / EXTERNAL: exit 2 before any change
        current = str(svc["taskDefinition"])
        found = rollback_target(ctx, service, svc, self.params.to_revision)
        target = found.arn
        plan = Plan(
            step=self.id,
            outputs={
                "task_definition": target,
                "previous_task_definition": current,
                "revisions_to_record": list(dict.fromkeys([current, *found.resolved])),
            },
            state={"service": service},
        )
        if _same_td(current, target):
            plan.notes.append(f"{service} already runs {vd.short_td(target)}")
            plan.outputs["deployment_id"] = None  # nothing deployed: nothing to watch
            return plan
        flight = in_progress(svc)
        if flight is not None and flight.get("rolloutState") == "IN_PROGRESS":
            raise Refused(
                f"preflight: {service} has a deployment in progress ({flight.get('id')})",
                hint=f"wait for it: {prog()} deploy watch {service}",
            )
        plan.changes.append(
            Change(
                "deploy",
                service,
                f"roll back {service}: {vd.short_td(current)} -> {vd.short_td(target)}",
                {
                    "task_definition": {"from": vd.short_td(current), "to": vd.short_td(target)},
                    "records": _records(target),
                },
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        target = plan.outputs["task_definition"]
        updated = ctx.aws.ecs.update_service(
            ctx.settings.require_cluster(), plan.state["service"], task_definition=target
        )
        outcome.outputs["deployment_id"] = deployment_id_of(updated, target)
        outcome.changes.extend(plan.changes)
        core.tag_deployment_started(ctx, target, outcome.outputs["deployment_id"])
        return outcome


# --- ecs.wait-other -------------------------------------------------------------------------
@dataclass
class WaitOtherParams:
    deployments: dict[str, str]  # service -> the deployment in flight that is not ours (its exact id)
    task_definitions: dict[str, str] = field(default_factory=dict)  # service -> that deployment's task definition
    timeout: float = 900.0
    poll_interval: float | None = None
    started: float | None = None  # the clock's monotonic time --timeout counts from (the command's start)


class WaitForOther(Step[WaitOtherParams]):
    """``deploy --wait-for-other``: a gate that waits until each given deployment (someone else's, in flight
    before this command) has ended, so that the deploy is planned from the state after it. Read-only: it plans
    a ``wait`` line per deployment still in flight (nothing when every one has ended) and watches them in the
    live view, as ``ecs.watch`` does (the same :class:`~vegaops.deploy.watch.Watcher`).

    How the other deployment ended (succeeded, failed, rolled back, replaced) is its verdict, not this
    command's: the outcome is a failure only when the wait times out (exit 6, nothing changed). Outputs
    ``outcomes`` (service -> how the other deployment ended, ``ended`` when it had ended before the wait)."""

    id: ClassVar[str] = "ecs.wait-other"
    gate = True
    Params = WaitOtherParams
    outputs = ("outcomes",)
    description = "wait until another deployment in flight (not this command's) has ended"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        cluster = ctx.settings.require_cluster()
        names = {core.service_name(ctx, s): s for s in p.deployments}
        found = ctx.aws.ecs.require_services(cluster, list(names), max_age=PLAN_CACHE_S, inactive=True)
        plan = Plan(step=self.id, outputs={"outcomes": {}})
        targets: list[dict[str, Any]] = []
        for name, given in names.items():
            dep_id = p.deployments[given]
            flight = in_progress(found[name])
            if flight is None or str(flight.get("id")) != dep_id:
                plan.notes.append(f"{name}: deployment {dep_id} is no longer in flight, nothing to wait for")
                plan.outputs["outcomes"][name] = "ended"
                continue
            td = p.task_definitions.get(given) or str(flight.get("taskDefinition"))
            targets.append({"service": name, "deployment_id": dep_id, "task_definition": td})
            plan.changes.append(
                Change(
                    "wait",
                    name,
                    f"wait for the other deployment {dep_id} of {vd.short_td(td)} on {name} to end "
                    f"(up to {p.timeout:g}s from the command's start)",
                    {"deployment": dep_id},
                )
            )
        plan.state["targets"] = targets
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        p = self.params
        targets: list[dict[str, Any]] = plan.state["targets"]
        for t in targets:
            ctx.output.info(f"{t['service']}: waiting for the other deployment {t['deployment_id']} to finish")
        watch = WatchParams(
            services=[t["service"] for t in targets],
            timeout=p.timeout,
            poll_interval=p.poll_interval,
            started=p.started,
        )
        result = watch_targets(ctx, targets, watch)
        outcome.outputs["outcomes"] = {**plan.outputs["outcomes"], **result.outcomes}
        outcome.changes.extend(plan.changes)
        outcome.watch = result
        late = [t for t in targets if result.outcomes.get(t["service"]) == vd.TIMED_OUT]
        if late:  # only the wait running out is this command's failure
            from vegaops.cmdline import line

            outcome.error = TimedOut(
                "; ".join(
                    f"{t['service']}: timed out after {p.timeout:g}s waiting for the other deployment "
                    f"{t['deployment_id']}"
                    for t in late
                ),
                hint=f"it continues; watch it with: {line('deploy', 'watch', *(t['service'] for t in late))}, "
                "then deploy again",
            )
        return outcome

"""ECS steps: ``ecs.register``, ``ecs.deploy``, ``ecs.watch`` and ``ecs.rollback``.

- ``ecs.register``: a new task definition revision cloned from the service's live one with only the
  chosen container's image changed (tagged with the release tag and the deployer). Empty plan when
  the live revision already runs that image, or when the newest revision of the family is exactly
  the wanted clone (re-run after an interrupted deploy). Outputs ``task_definition``,
  ``previous_task_definition``, ``registered``.
- ``ecs.deploy``: UpdateService to a task definition (or force a new deployment). Preflight: the
  service exists and is ACTIVE, no other deployment in progress (exit 8). Empty plan when the
  service already runs it. Outputs ``deployment_id``.
- ``ecs.watch``: watch deployments until they settle and turn the verdict into the exit code.
- ``ecs.rollback``: deploy the newest revision older than the running one whose deployment is known to
  have succeeded (recorded, or resolved from ECS: ``deploy/outcomes.py``), or ``to_revision``. Unknown
  and failed outcomes never qualify; none known-good is exit 8, nothing older or a missing revision 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.aws.ecs import clone_spec, family_of, revision_of
from vegaops.cmdline import prog
from vegaops.deploy import core
from vegaops.deploy import verdict as vd
from vegaops.deploy.strategy import assess as strategy_assess
from vegaops.deploy.strategy import refuse_controller, strategy_from_service
from vegaops.errors import NeedsHuman, NotFoundError, OperationFailed, Refused, TimedOut, VegaopsError
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import ServiceTypeDef

    from vegaops.aws.ecs import Ecs, TaskDefinition
    from vegaops.context import AppContext


PLAN_CACHE_S = 5.0  # plans of one command may reuse the preflight's DescribeServices this long


def describe_service(ctx: AppContext, service: str) -> ServiceTypeDef:
    cluster = ctx.settings.require_cluster()
    found, _ = ctx.aws.ecs.describe_services(cluster, [service], max_age=PLAN_CACHE_S)
    svc = found.get(service)
    if svc is None:
        raise Refused(
            f"preflight: service {service} not found in cluster {cluster}", hint="check the service name and --env"
        )
    if svc.get("status") != "ACTIVE":
        raise Refused(f"preflight: service {service} is {svc.get('status')}, not ACTIVE")
    return svc


def in_progress(svc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The deployment still rolling out (PRIMARY IN_PROGRESS, or several deployments), else None."""
    deployments = svc.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        return None
    if primary.get("rolloutState") == "IN_PROGRESS" or len(deployments) > 1:
        return dict(primary)
    return None


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
            raise Refused(
                f"preflight: {service} has a deployment in progress ({flight.get('id')} of "
                f"{vd.short_td(flight.get('taskDefinition'))}, {flight.get('rolloutState')})",
                hint=f"wait for it ({prog()} deploy watch {service}) or pass --wait-for-other",
            )
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
        plan.state["svc"] = svc
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        service = plan.state["service"]
        settle_current(ctx, service, plan.state.get("svc") or {})
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


def settle_current(ctx: AppContext, service: str, svc: Mapping[str, Any]) -> None:
    """Before moving a service off its revision: record what that revision's deployment became (a service
    steady on it = succeeded, resolved from ECS), so that it can be a rollback target later."""
    from vegaops.deploy.outcomes import Resolver

    current = str(svc.get("taskDefinition", ""))
    if not current:
        return
    try:
        Resolver(ctx, service, svc).outcomes([current])
    except Exception as exc:  # bookkeeping about the past never blocks a deploy
        ctx.output.warn(
            f"{service}: outcome of {vd.short_td(current)} not recorded: {' '.join(str(exc).split())[:200]}"
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
class DeployFailed(VegaopsError):
    """A watched deployment did not succeed; carries the per-service verdicts."""

    def __init__(self, error: VegaopsError, verdicts: dict[str, vd.Verdict]) -> None:
        super().__init__(error.message, error.hint)
        self.exit_code = error.exit_code
        self.kind = error.kind
        self.verdicts = verdicts


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


class WatchDeployments(Step[WatchParams]):
    id: ClassVar[str] = "ecs.watch"
    gate = True
    Params = WatchParams
    outputs = ("outcomes",)
    description = "watch deployments until they settle; exit code from the verdict"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy.snapshot import Target, snapshot_from_api

        p = self.params
        cluster = ctx.settings.require_cluster()
        names = [core.service_name(ctx, s) for s in p.services]
        # Right after a deploy the UpdateService answers are fresh descriptions: no extra call for them.
        found, missing = ctx.aws.ecs.describe_services(cluster, names, max_age=PLAN_CACHE_S)
        if missing:
            raise NotFoundError(f"services not found in cluster {cluster}: {', '.join(missing)}")
        plan = Plan(step=self.id, outputs={"outcomes": {}})
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
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        verdicts = watch_targets(ctx, plan.state["targets"], self.params)
        for t in plan.state["targets"]:  # the verdict, on the revision it is about (history, rollback)
            v = verdicts.get(t["service"])
            if v is not None and v.final and v.outcome != vd.REACHED:  # reached: ECS goes on, no outcome yet
                core.tag_outcome(ctx, t["task_definition"], v.outcome, t["deployment_id"])
        outcome.outputs["outcomes"] = {**plan.outputs["outcomes"], **{k: v.outcome for k, v in verdicts.items()}}
        outcome.outputs["verdicts"] = verdicts
        outcome.changes.extend(plan.changes)
        error = verdict_error(verdicts)
        if error is not None:
            raise DeployFailed(error, verdicts)
        return outcome


def watch_targets(ctx: AppContext, targets: list[dict[str, Any]], p: WatchParams) -> dict[str, vd.Verdict]:
    from vegaops.deploy.snapshot import Target
    from vegaops.deploy.watch import Tracked, Watcher, WatchOptions

    tracked = [
        Tracked(
            Target(t["service"], t["deployment_id"], t["task_definition"], t.get("previous")),
            list(t.get("target_groups", [])),
        )
        for t in targets
    ]
    from vegaops.deploy.view import LiveView

    emit = ctx.shared.get("_deploy_emit")
    view = LiveView(ctx) if emit is None else None  # runbook runs get the live view too
    watcher = Watcher(
        ctx.aws.ecs,
        ctx.settings.require_cluster(),
        ctx.clock,
        tracked,
        elbv2=ctx.aws.elbv2 if any(t.target_groups for t in tracked) else None,
        emit=emit or (view.event if view else None),
        options=WatchOptions(
            p.timeout,
            p.poll_interval,
            p.rollback_on_failure,
            started=ctx.shared.get("_deploy_started"),
            wait_until=p.wait_until,
        ),
        log_tail=_log_tail(ctx),
        enrichment=ctx.enrichment,
        tick=ctx.shared.get("_deploy_tick") or (view.ticker if view else None),
    )
    ctx.shared["_deploy_watcher"] = watcher
    if view is None:
        return watcher.run()
    with view:
        return watcher.run()


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
    outputs = ("deployment_id", "task_definition", "previous_task_definition")
    description = "redeploy the newest known-good revision older than the running one (or a given revision)"

    def plan(self, ctx: AppContext) -> Plan:
        service = core.service_name(ctx, self.params.service)
        svc = describe_service(ctx, service)
        refuse_controller(svc, service)  # CODE_DEPLOY / EXTERNAL: exit 2 before any change
        current = str(svc["taskDefinition"])
        target = rollback_target(ctx, service, svc, self.params.to_revision)
        plan = Plan(
            step=self.id,
            outputs={"task_definition": target, "previous_task_definition": current},
            state={"service": service, "svc": svc},
        )
        if _same_td(current, target):
            plan.notes.append(f"{service} already runs {vd.short_td(target)}")
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
        settle_current(ctx, plan.state["service"], plan.state.get("svc") or {})
        updated = ctx.aws.ecs.update_service(
            ctx.settings.require_cluster(), plan.state["service"], task_definition=target
        )
        outcome.outputs["deployment_id"] = deployment_id_of(updated, target)
        outcome.changes.extend(plan.changes)
        core.tag_deployment_started(ctx, target, outcome.outputs["deployment_id"])
        return outcome


def rollback_target(
    ctx: AppContext, service: str, svc: Mapping[str, Any], to_revision: int | None, explain: bool = True
) -> str:
    """``family:to_revision``, else the newest revision older than the running one whose deployment is
    known to have succeeded (recorded, or resolved from ECS now). Unknown or failed outcomes never qualify.
    """
    from vegaops.deploy.outcomes import Resolver

    ecs = ctx.aws.ecs
    current = str(svc.get("taskDefinition", ""))
    family = family_of(current)
    if to_revision is not None:
        return _explicit_target(ctx, service, svc, family, to_revision)
    running = revision_of(current) or 0
    older = [a for a in ecs.list_task_definitions(family) if (revision_of(a) or 0) < running]
    if not older:
        raise NotFoundError(
            f"{service}: no revision of {family} older than the running {vd.short_td(current)}",
            hint=f"nothing to roll back to; pass --to REVISION (see: {prog()} deploy history {service})",
        )
    rows = Resolver(ctx, service, svc).outcomes(older[:ROLLBACK_WINDOW])
    for i, row in enumerate(rows):
        if row.good and row.td is not None:
            for skipped in rows[:i] if explain else []:  # say which newer revisions were passed over, and why
                why = skipped.outcome + (f": {skipped.note}" if skipped.note else "")
                ctx.output.warn(f"{service}: not rolling back to {family}:{skipped.revision} ({why})")
            return row.td.arn
    seen = ", ".join(f"{family}:{r.revision} {r.outcome}" + (f" ({r.note})" if r.note else "") for r in rows[:5])
    raise Refused(
        f"{service}: no revision older than {vd.short_td(current)} is known to have deployed successfully "
        f"({seen}{', ...' if len(rows) > 5 else ''}); vegaops does not roll back to an unknown or failed revision",
        hint=f"check {prog()} deploy history {service}, then choose one: {prog()} rollback {service} --to REVISION",
    )


ROLLBACK_WINDOW = 20  # older revisions considered for an automatic rollback target


def _explicit_target(ctx: AppContext, service: str, svc: Mapping[str, Any], family: str, revision: int) -> str:
    from vegaops.aws.errors import error_code
    from vegaops.deploy.outcomes import Resolver

    ecs = ctx.aws.ecs
    try:
        td = ecs.describe_task_definition(f"{family}:{revision}")
    except Exception as exc:
        code = error_code(exc) or ""
        if code in ("ClientException", "InvalidParameterException") or "unable to describe" in str(exc).lower():
            raise NotFoundError(
                f"task definition {family}:{revision} not found (rollback of {service})",
                hint=f"see the revisions: {prog()} deploy history {service}",
            ) from None
        raise
    row = Resolver(ctx, service, svc).outcomes([td.arn])[0]
    if not row.good and not _same_td(str(svc.get("taskDefinition", "")), td.arn):
        ctx.output.warn(f"{family}:{revision}: its last deployment outcome is {row.outcome}; rolling back as asked")
    return td.arn

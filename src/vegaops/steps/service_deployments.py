"""``ecs.continue`` and ``ecs.stop``: act on a service deployment in flight (any strategy).

``ecs.continue`` answers a pause lifecycle hook that is AWAITING_ACTION (ContinueServiceDeployment with
CONTINUE, or ROLLBACK for ``deploy abort``); ``ecs.stop`` stops the deployment in flight
(StopServiceDeployment ROLLBACK, or ABORT which leaves traffic and tasks as they are). Both plan from
ListServiceDeployments + DescribeServiceDeployments: nothing paused / nothing in flight is an empty plan,
which keeps them idempotent (a second run plans nothing). An endpoint without the ServiceDeployment API is
refused (exit 8) with the command that works there (``rollback``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import prog
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext

IN_FLIGHT = ("IN_PROGRESS", "PENDING")


def in_flight(ctx: AppContext, cluster: str, service: str) -> dict[str, Any] | None:
    """The service deployment in flight (DescribeServiceDeployments' full shape), or None."""
    from vegaops.errors import Refused

    ecs = ctx.aws.ecs
    ecs.require_services(cluster, [service], hint=f"check the name: {prog()} status", inactive=True)
    items = ecs.list_service_deployments(cluster, service, max_results=10)
    if items is None:
        raise Refused(
            f"the endpoint has no ServiceDeployment API (ListServiceDeployments), so deployments of {service} "
            "cannot be continued or stopped here",
            hint=f"roll back with: {prog()} rollback {service}",
        )
    live = [i for i in items if i.get("status") in IN_FLIGHT]
    if not live:
        return None
    live.sort(key=lambda i: str(i.get("createdAt", "")), reverse=True)
    described = ecs.describe_service_deployments([str(live[0].get("serviceDeploymentArn"))]) or []
    return dict(described[0]) if described else None


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@dataclass
class ContinueParams:
    service: str
    action: str = "CONTINUE"  # CONTINUE | ROLLBACK
    hook_id: str | None = None  # default: the one pause hook awaiting action
    cluster: str | None = None


class ContinueDeployment(Step[ContinueParams]):
    id: ClassVar[str] = "ecs.continue"
    Params = ContinueParams
    outputs = ("service_deployment", "hook_id")
    description = "answer a paused deployment's pause hook: continue it, or roll it back"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy import core
        from vegaops.deploy.strategy import hook_name
        from vegaops.errors import UsageError

        p = self.params
        action = p.action.upper()
        if action not in ("CONTINUE", "ROLLBACK"):
            raise UsageError(f"ecs.continue: action {p.action!r} is not CONTINUE or ROLLBACK", hint="action = CONTINUE")
        cluster = p.cluster or ctx.settings.require_cluster()
        service = core.service_name(ctx, p.service)
        plan = Plan(step=self.id, outputs={"service_deployment": None, "hook_id": None})
        sd = in_flight(ctx, cluster, service)
        if sd is None:
            plan.notes.append(f"{service}: no deployment in flight, nothing to {action.lower()}")
            return plan
        arn = str(sd.get("serviceDeploymentArn"))
        hooks = [
            h
            for h in sd.get("lifecycleHookDetails") or []
            if h.get("targetType") == "PAUSE" and h.get("status") == "AWAITING_ACTION"
        ]
        if p.hook_id:
            hooks = [h for h in hooks if h.get("hookId") == p.hook_id]
        stage = sd.get("lifecycleStage") or "its stage"
        if not hooks:
            which = f"pause hook {p.hook_id}" if p.hook_id else "a pause hook"
            plan.notes.append(
                f"{service}: deployment {_short(arn)} ({sd.get('status')}, {stage}) is not waiting at {which}"
            )
            plan.outputs["service_deployment"] = arn
            return plan
        hook = hooks[0]
        hook_id = str(hook.get("hookId"))
        what = (
            f"continue {service}'s deployment {_short(arn)} paused at {stage} ({hook_name('PAUSE', None)} {hook_id})"
            if action == "CONTINUE"
            else f"roll back {service}'s deployment {_short(arn)} paused at {stage} ({hook_name('PAUSE', None)} "
            f"{hook_id}) to the previous revision"
        )
        plan.changes.append(
            Change(
                "continue" if action == "CONTINUE" else "rollback",
                service,
                what,
                {"service_deployment": arn, "hook_id": hook_id, "action": action, "stage": stage},
            )
        )
        plan.state = {"arn": arn, "hook_id": hook_id, "action": action}
        plan.outputs.update({"service_deployment": arn, "hook_id": hook_id})
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        s = plan.state
        ctx.aws.ecs_client.continue_service_deployment(
            serviceDeploymentArn=s["arn"],
            hookId=s["hook_id"],
            action=s["action"],
        )
        outcome.changes.extend(plan.changes)
        return outcome


@dataclass
class StopParams:
    service: str
    rollback: bool = False  # ROLLBACK to the previous revision; default ABORT (traffic and tasks stay as they are)
    cluster: str | None = None


class StopDeployment(Step[StopParams]):
    id: ClassVar[str] = "ecs.stop"
    Params = StopParams
    outputs = ("service_deployment",)
    description = "stop the service deployment in flight (StopServiceDeployment ABORT, or ROLLBACK)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy import core

        p = self.params
        cluster = p.cluster or ctx.settings.require_cluster()
        service = core.service_name(ctx, p.service)
        plan = Plan(step=self.id, outputs={"service_deployment": None})
        sd = in_flight(ctx, cluster, service)
        if sd is None:
            plan.notes.append(f"{service}: no deployment in flight, nothing to stop")
            return plan
        arn = str(sd.get("serviceDeploymentArn"))
        stage = sd.get("lifecycleStage")
        at = f" at {stage}" if stage else ""
        stop_type = "ROLLBACK" if p.rollback else "ABORT"
        what = (
            f"stop {service}'s deployment {_short(arn)}{at} and roll back to the previous revision"
            if p.rollback
            else f"stop {service}'s deployment {_short(arn)}{at} (ABORT: traffic and tasks stay as they are now)"
        )
        plan.changes.append(
            Change("stop", service, what, {"service_deployment": arn, "stop_type": stop_type, "stage": stage})
        )
        plan.state = {"arn": arn, "stop_type": stop_type}
        plan.outputs["service_deployment"] = arn
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        ctx.aws.ecs_client.stop_service_deployment(
            serviceDeploymentArn=plan.state["arn"], stopType=plan.state["stop_type"]
        )
        outcome.changes.extend(plan.changes)
        return outcome

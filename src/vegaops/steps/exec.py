"""``ecs.enable-exec``: turn on ECS Exec (``enableExecuteCommand``) for a service and start a new deployment.

A task gets ECS Exec only when it starts with it, so turning it on is followed by a new deployment (one
UpdateService with ``forceNewDeployment``). The plan is empty when the service has it and every running
task of it too; when the service has it but some running tasks were started before, the plan is the new
deployment alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass(frozen=True)
class EnableExecParams:
    service: str


class EnableExec(Step[EnableExecParams]):
    id: ClassVar[str] = "ecs.enable-exec"
    Params = EnableExecParams
    outputs = ("deployment_id",)
    description = "turn on ECS Exec for a service and start a new deployment so its tasks get it"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.logs.service import cluster_of, of_service, resolve_name

        cluster = cluster_of(ctx)
        key, ecs_name, _ = resolve_name(ctx, self.params.service)
        service = ctx.aws.ecs.require_services(cluster, [ecs_name])[ecs_name]
        arns = ctx.aws.ecs.list_tasks(cluster, service=ecs_name, desired_status="RUNNING")
        tasks = of_service(ctx.aws.ecs.describe_tasks(cluster, arns), ecs_name) if arns else []
        without = [t for t in tasks if not t.get("enableExecuteCommand")]
        state = {"cluster": cluster, "ecs_service": ecs_name}
        if not service.get("enableExecuteCommand"):
            summary = f"enable ECS Exec on {ecs_name} and start a new deployment (its tasks get it as they start)"
            detail = {"enableExecuteCommand": {"from": False, "to": True}}
        elif without:
            summary = (
                f"start a new deployment of {ecs_name}: {len(without)} running task"
                f"{'s were' if len(without) != 1 else ' was'} started before ECS Exec was enabled"
            )
            detail = {}
        else:
            return Plan(self.id, notes=[f"ECS Exec is on for {key} and its {len(tasks)} running task(s)"], state=state)
        return Plan(self.id, changes=[Change("update", f"service:{ecs_name}", summary, detail)], state=state)

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        service = ctx.aws.ecs_client.update_service(
            cluster=plan.state["cluster"],
            service=plan.state["ecs_service"],
            enableExecuteCommand=True,
            forceNewDeployment=True,
        )["service"]
        primary = [d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"]
        return Outcome(plan.changes, {"deployment_id": primary[0].get("id") if primary else None})

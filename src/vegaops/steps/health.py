"""``health.check``: a read-only step for runbooks (e.g. the end of a release, after a redeploy).

With ``deployments`` (service -> deployment id, e.g. ``${steps.redeploy.deployments}``) the gate first
waits for those *new* deployments to reach their verdict through the deploy watch (a rolled-back or
failing redeploy fails the gate: exit 5/7, timeout 6), so it never passes on the old tasks still serving
while the new ones start (or crash-loop). Then, and without deployments directly: plan() checks once:
healthy -> empty plan. Otherwise the plan is "wait until healthy"; apply() waits on the injected clock
and fails (exit 5) listing every failing check when ``timeout`` passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import prog
from vegaops.errors import OperationFailed
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass(frozen=True)
class HealthParams:
    services: list[str] = field(default_factory=list)
    timeout: int = 300
    interval: int = 10
    deployments: dict[str, Any] = field(default_factory=dict)  # service -> deployment id to wait for first


class HealthCheck(Step[HealthParams]):
    id: ClassVar[str] = "health.check"
    gate = True
    Params = HealthParams
    outputs = ("healthy",)
    description = "check services are healthy (ECS, ALB targets, HTTP health URL, environment checks)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.health.run import failing_lines, run_checks

        pending = pending_deployments(ctx, self.params.deployments)
        if pending:
            return Plan(
                self.id,
                changes=[
                    Change(
                        "check",
                        t["service"],
                        f"wait for {t['service']} deployment {t['deployment_id']} (the new tasks) to finish, "
                        "then check health",
                        {"deployment": t["deployment_id"]},
                    )
                    for t in pending
                ],
                state={"targets": pending},
            )
        checks = run_checks(ctx, self.params.services, retries=1)
        failing = failing_lines(checks)
        if not failing:
            return Plan(self.id, notes=[f"healthy: {len(checks)} checks passed"], outputs={"healthy": True})
        return Plan(
            self.id,
            changes=[
                Change(
                    "check",
                    "health",
                    f"wait up to {self.params.timeout}s for {len(failing)} failing check(s): {failing[0]}",
                    {"failing": failing},
                )
            ],
        )

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.health.run import failing_lines, wait_healthy

        start = ctx.clock.monotonic()
        if plan.state.get("targets"):
            wait_for_deployments(ctx, plan.state["targets"], float(self.params.timeout))
        left = max(1.0, self.params.timeout - (ctx.clock.monotonic() - start))
        healthy, checks = wait_healthy(ctx, self.params.services, left, self.params.interval)
        if not healthy:
            failing = failing_lines(checks)
            raise OperationFailed(
                "unhealthy after {}s: {}".format(self.params.timeout, "; ".join(failing)),
                hint=f"see {prog()} debug SERVICE",
            )
        # the waits for the new deployments are reported as done (reads only: no AWS write)
        return Outcome(changes=list(plan.changes) if plan.state.get("targets") else [], outputs={"healthy": True})


def pending_deployments(ctx: AppContext, deployments: dict[str, Any]) -> list[dict[str, Any]]:
    """The given deployments that have not succeeded yet, as watch targets (read from DescribeServices)."""
    from vegaops.deploy import verdict as vd
    from vegaops.deploy.snapshot import Target, snapshot_from_api

    wanted = {str(k): str(v) for k, v in deployments.items() if v}
    if not wanted:
        return []
    cluster = ctx.settings.require_cluster()
    found = ctx.aws.ecs.require_services(cluster, sorted(wanted), inactive=True)
    pending: list[dict[str, Any]] = []
    for name in sorted(wanted):
        svc, dep_id = found[name], wanted[name]
        dep = next((d for d in svc.get("deployments", []) if d.get("id") == dep_id), None)
        td = str((dep or svc).get("taskDefinition", ""))
        if vd.assess(Target(name, dep_id, td), [snapshot_from_api(name, 0.0, svc)]).outcome == vd.SUCCEEDED:
            continue
        pending.append(
            {
                "service": name,
                "deployment_id": dep_id,
                "task_definition": td,
                "previous": None,
                "target_groups": [
                    lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")
                ],
            }
        )
    return pending


def wait_for_deployments(ctx: AppContext, targets: list[dict[str, Any]], timeout: float) -> None:
    """The deploy watch over ``targets``; its verdict's error (exit 5, 6 or 7) when one did not succeed."""
    from vegaops.steps.ecs import WatchParams, verdict_error, watch_targets

    params = WatchParams(services=[t["service"] for t in targets], timeout=timeout)
    error = verdict_error(watch_targets(ctx, targets, params).verdicts)
    if error is not None:
        raise error

"""``health.check``: a read-only step for runbooks (e.g. the end of a release).

plan() checks once: healthy -> empty plan. Otherwise the plan is "wait until healthy"; apply() waits on
the injected clock and fails (exit 5) listing every failing check when ``timeout`` passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from vegaops.errors import OperationFailed
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass(frozen=True)
class HealthParams:
    services: list[str] = field(default_factory=list)
    timeout: int = 300
    interval: int = 10


class HealthCheck(Step[HealthParams]):
    id: ClassVar[str] = "health.check"
    gate = True
    Params = HealthParams
    outputs = ("healthy",)
    description = "check services are healthy (ECS, ALB targets, HTTP health URL, environment checks)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.health.run import failing_lines, run_checks

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

        healthy, checks = wait_healthy(ctx, self.params.services, self.params.timeout, self.params.interval)
        if not healthy:
            failing = failing_lines(checks)
            raise OperationFailed(
                "unhealthy after {}s: {}".format(self.params.timeout, "; ".join(failing)),
                hint="see vegaops debug SERVICE",
            )
        return Outcome(outputs={"healthy": True})

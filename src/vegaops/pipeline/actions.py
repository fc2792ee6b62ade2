"""``deploy continue|abort|stop``: one-step runbooks over ``ecs.continue`` / ``ecs.stop`` (plan, --dry-run,
confirmation, journal), with the command that follows the deployment to its verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.cmdline import prog

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport


def continue_deployment(ctx: AppContext, service: str, action: str, hook_id: str | None = None) -> Result:
    """ContinueServiceDeployment CONTINUE (``deploy continue``) or ROLLBACK (``deploy abort``)."""
    from vegaops.runbook import engine
    from vegaops.steps.service_deployments import ContinueDeployment, ContinueParams

    report = engine.run(
        ctx,
        ctx.command,
        [engine.single(ContinueDeployment, ContinueParams(service, action, hook_id))],
        always_confirm=action == "ROLLBACK",
        then=[f"follow it: {prog()} deploy watch {service}"],
    )
    return _result(ctx, report, service)


def stop_deployment(ctx: AppContext, service: str, rollback: bool) -> Result:
    """StopServiceDeployment ROLLBACK (``--rollback``) or ABORT."""
    from vegaops.runbook import engine
    from vegaops.steps.service_deployments import StopDeployment, StopParams

    report = engine.run(
        ctx,
        ctx.command,
        [engine.single(StopDeployment, StopParams(service, rollback))],
        always_confirm=True,
        then=[f"follow it: {prog()} deploy watch {service}"],
    )
    return _result(ctx, report, service)


def _result(ctx: AppContext, report: RunReport, service: str) -> Result:
    from vegaops.runbook.result import run_result

    return run_result(ctx, report, data={"service": service}, message=follow_up(report, service))


def follow_up(report: RunReport, service: str) -> str | None:
    """The message after a change: the command that follows the deployment to its verdict."""
    if not report.changed or report.dry_run:
        return None
    done = "; ".join(c.summary for s in report.steps for c in s.changes)
    return f"{done}; follow it to its verdict: {prog()} deploy watch {service}"

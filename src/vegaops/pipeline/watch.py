"""``vegaops deploy watch SERVICE``: re-attach to the deployment in flight with the deploy pipeline's watch steps
(``pipeline/deploy.py``: the ``ecs.watch`` gate, the rollback contingency, the outcome tags); with nothing in
flight, record what the last (maybe interrupted) deploy became, by the ``ecs.record-outcomes`` step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vegaops.deploy import preflight
from vegaops.deploy import verdict as vd
from vegaops.deploy.core import selected
from vegaops.pipeline.deploy import DeployOptions, Item, deploy_result, raise_unless_verdict, watch_calls
from vegaops.runbook import engine
from vegaops.runbook.model import StepCall

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


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

    start = ctx.clock.monotonic()
    cluster = ctx.settings.require_cluster()
    pairs = selected(ctx, names)
    found = ctx.aws.ecs.require_services(cluster, [n for _, n in pairs])
    items: list[Item] = []
    settle: list[StepCall] = []
    for key, name in pairs:
        svc = found[name]
        flight = preflight.in_progress(svc)
        if flight is None:  # nothing to watch: record what the last (maybe interrupted) deploy became
            settle.append(StepCall(f"settle-{key}", "ecs.record-outcomes", {"service": name}, literal=True))
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
        if settle:
            engine.execute(ctx, "deploy-watch", settle).raise_for_failure()
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
    report = engine.execute(ctx, "deploy-watch", [*settle, *watch_calls(ctx, items, o, start)])
    raise_unless_verdict(report, items)
    return deploy_result(ctx, o, items, start, report, planned=False)

"""``vegaops rollback SERVICE``: the deploy pipeline's shape (``pipeline/deploy.py``) around ``ecs.rollback``:
lock, roll back to the known-good revision, record what the search resolved, watch, move the scheduled tasks,
release the lock."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from vegaops.deploy import core
from vegaops.deploy import verdict as vd
from vegaops.deploy.core import selected
from vegaops.pipeline.deploy import (
    LOCK_SLACK,
    WATCH,
    DeployOptions,
    Item,
    deploy_result,
    follow_calls,
    raise_for_failure,
    raise_unless_verdict,
    release_calls,
    release_left,
    watch_calls,
)
from vegaops.runbook import engine
from vegaops.runbook.model import StepCall

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def rollback(
    ctx: AppContext, name: str, to_revision: int | None, timeout: float, poll_interval: float | None
) -> Result:
    """``vegaops rollback SERVICE``: lock, redeploy the known-good revision, watch it, record its verdict."""
    from vegaops.output.result import Result

    start = ctx.clock.monotonic()
    ((key, service),) = selected(ctx, [name])
    ttl = timeout + LOCK_SLACK
    lock = core.new_lock(ctx, service, f"rollback:{to_revision or 'auto'}", ttl)
    it = Item(key, service, task_definition="${steps.rollback.task_definition}")
    o = DeployOptions(tag="", timeout=timeout, poll_interval=poll_interval)
    watch = [
        dataclasses.replace(
            call,
            params={
                **call.params,
                "deployments": {service: "${steps.rollback.deployment_id}"},
                "task_definitions": {service: "${steps.rollback.task_definition}"},
                "previous": {service: "${steps.rollback.previous_task_definition}"},
            }
            if call.id == WATCH
            else {
                **call.params,
                "task_definition": "${steps.rollback.task_definition}",
                "deployment_id": "${steps.rollback.deployment_id}",
            },
            when="${steps.rollback.deployment_id}",
        )
        for call in watch_calls(ctx, [it], o, start)
    ]
    calls = [
        StepCall(
            f"lock-{key}",
            "deploy.lock",
            {"service": service, "tag": lock.holder["tag"], "ttl": ttl, "holder": lock.holder},
            literal=True,
        ),
        StepCall("rollback", "ecs.rollback", {"service": service, "to_revision": to_revision}, literal=True),
        # what the revision the service leaves became, and the outcomes the search for a known-good revision
        # resolved from ECS (planned before the rollback moves the service: what ECS said then)
        StepCall(
            f"settle-{key}",
            "ecs.record-outcomes",
            {"service": service, "revisions": "${steps.rollback.revisions_to_record}"},
        ),
        *watch,
        *[
            dataclasses.replace(
                c,
                params={**c.params, "task_definitions": {service: "${steps.rollback.task_definition}"}},
                when="${steps.rollback.deployment_id}",
            )
            for c in follow_calls(ctx, [it])
        ],
        *release_calls([it], [lock]),
    ]
    try:
        report = engine.execute(
            ctx, "rollback", calls, then=[f"watch {service} until the deployment settles (up to {timeout:g}s)"]
        )
    finally:
        if not ctx.options.dry_run:
            release_left(ctx, [lock])  # normally the run's deploy.release step did it
    if report.failed is not None and report.failed.id != WATCH:
        raise_for_failure(report, alone=("rollback",))
    back = report.step("rollback")
    assert back is not None
    out = back.outputs
    if ctx.options.dry_run or back.status != "done":
        return Result(
            command=ctx.command,
            status="planned" if report.changes else "unchanged",
            changes=report.changes,
            data={"service": service, **_plain({k: v for k, v in out.items() if k != "revisions_to_record"})},
            message="; ".join(back.notes) or f"plan: roll back {service}",
        )
    it = Item(key, service, previous=str(out.get("previous_task_definition")))
    raise_unless_verdict(report, [it])
    it.task_definition = str(out.get("task_definition"))
    it.deployment_id = out.get("deployment_id")
    o.tag = f"rollback to {vd.short_td(it.task_definition)}"
    result = deploy_result(ctx, o, [it], start, report, planned=False)
    if result.exit_code == 0:
        message = f"rolled back {service}: {vd.short_td(it.previous)} -> {vd.short_td(it.task_definition)}"
        return dataclasses.replace(result, message=message)
    return result


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in d.items()}

"""``vegaops schedule run NAME``: run a scheduled task now with its target's parameters (the ``schedules.run``
step: plan, --dry-run, confirmation, journal), then wait for its tasks to stop: exit 0 when every essential
container exited 0, 5 when one did not, 6 when --timeout passed first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def wait_stopped(
    ctx: AppContext, cluster: str, tasks: list[str], timeout: float, interval: float
) -> list[dict[str, Any]]:
    """DescribeTasks until every task is STOPPED or ``timeout`` seconds passed (the injected clock sleeps)."""
    start = ctx.clock.monotonic()
    described: list[dict[str, Any]] = []
    while True:
        answer = ctx.aws.ecs_client.describe_tasks(cluster=cluster, tasks=tasks)
        described = [dict(t) for t in answer.get("tasks", [])]
        if described and all(t.get("lastStatus") == "STOPPED" for t in described):
            return described
        if ctx.clock.monotonic() - start >= timeout:
            return described
        ctx.output.info(
            "waiting: "
            + ", ".join(f"{str(t.get('taskArn')).rsplit('/', 1)[-1][:12]} {t.get('lastStatus')}" for t in described)
        )
        ctx.clock.sleep(interval)


def _exit_codes(task: dict[str, Any]) -> dict[str, Any]:
    return {str(c.get("name")): c.get("exitCode") for c in task.get("containers", [])}


def run_schedule(ctx: AppContext, name: str, group: str | None, wait: bool, timeout: float, interval: float) -> Result:
    import uuid

    from vegaops.output.result import Result
    from vegaops.runbook import engine
    from vegaops.steps.schedules import RunParams, RunScheduled

    run_id = f"vegaops-schedule-{uuid.uuid4().hex[:12]}"
    report = engine.run(ctx, "schedule-run", [engine.single(RunScheduled, RunParams(name, run_id, group))])
    step = report.steps[0]
    tasks = [str(t) for t in step.outputs.get("tasks") or []]
    data: dict[str, Any] = {
        "schedule": name,
        "run_id": run_id,
        "tasks": tasks,
        "steps": [s.to_dict() for s in report.steps],
    }
    if report.dry_run or not tasks:
        return Result(
            command=ctx.command,
            status="planned" if report.dry_run and report.changes else "unchanged",
            changes=report.changes,
            data=data,
            message="plan: run it now (dry run, nothing was started)" if report.dry_run else "; ".join(step.notes),
        )
    started = f"started {name}: " + ", ".join(t.rsplit("/", 1)[-1] for t in tasks)
    if not wait:
        return Result(command=ctx.command, status="changed", changes=report.changes, data=data, message=started)
    described = wait_stopped(ctx, str(step.outputs.get("cluster")), tasks, timeout, interval)
    data["results"] = [
        {
            "task": t.get("taskArn"),
            "status": t.get("lastStatus"),
            "stop_code": t.get("stopCode"),
            "stopped_reason": t.get("stoppedReason"),
            "exit_codes": _exit_codes(t),
        }
        for t in described
    ]
    cluster = str(step.outputs.get("cluster")).rsplit("/", 1)[-1]
    check = f"aws ecs describe-tasks --cluster {cluster} --tasks {' '.join(t.rsplit('/', 1)[-1] for t in tasks)}"
    if not described or not all(t.get("lastStatus") == "STOPPED" for t in described):
        from vegaops.errors import TimedOut

        late = TimedOut(f"{started}; still running after {timeout:g}s", hint=f"it goes on; check it: {check}")
        return Result(
            command=ctx.command,
            status="timeout",
            exit_code=6,
            changes=report.changes,
            data=data,
            errors=[late.to_dict()],
        )
    reasons = {str(t.get("taskArn")).rsplit("/", 1)[-1]: t.get("stoppedReason") for t in described}
    bad = {
        str(t.get("taskArn")).rsplit("/", 1)[-1]: codes
        for t in described
        for codes in [_exit_codes(t)]
        if any(code not in (0, None) for code in codes.values()) or all(code is None for code in codes.values())
    }
    if bad:
        from vegaops.errors import OperationFailed

        failed = OperationFailed(
            f"{name}: task(s) failed: "
            + "; ".join(f"{t} exit codes {c} ({reasons.get(t) or 'no stop reason'})" for t, c in bad.items()),
            hint=f"see why: {check}",
        )
        return Result(
            command=ctx.command,
            status="failed",
            exit_code=5,
            changes=report.changes,
            data=data,
            errors=[failed.to_dict()],
        )
    return Result(
        command=ctx.command,
        status="changed",
        changes=report.changes,
        data=data,
        message=f"{started}; every container exited 0",
    )

"""``vegaops schedule run NAME``: run a scheduled task now with its target's parameters (the ``schedules.run``
step: plan, --dry-run, confirmation, journal), then wait for it the way ``vegaops run`` waits (``vegaops.tasks.run``:
DescribeTasks on the injected clock, the container's log lines live, the verdict from the essential container's
exit code): exit 0 when it exited 0, 5 when it did not or could not start, 6 at --timeout (the task is stopped
unless --keep-running)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import RunTaskRequestTypeDef

    from vegaops.context import AppContext
    from vegaops.output.result import Result
    from vegaops.schedules.core import Scheduled
    from vegaops.tasks.run import Prepared


def prepared_for(ctx: AppContext, item: Scheduled, request: RunTaskRequestTypeDef) -> Prepared:
    """What ``vegaops.tasks.run.wait`` needs for a scheduled task's run: its task definition, the container the
    target's input overrides (else the first essential one), and that container's log sources."""
    from vegaops.logs.sources import discover
    from vegaops.tasks.run import Prepared

    td = ctx.aws.ecs.describe_task_definition(str(request["taskDefinition"]), tags=False)
    overrides = (request.get("overrides") or {}).get("containerOverrides") or []
    essential = [c for c in td.containers if c.get("essential", True)] or td.containers
    container = str(overrides[0].get("name")) if overrides else str(essential[0].get("name"))
    cluster = str(request["cluster"])
    sources = [s for s in discover(item.name, td.raw, ctx.settings.region, cluster) if s.container == container]
    return Prepared(item.name, "", cluster, td, container, request, sources)


def run_schedule(
    ctx: AppContext,
    name: str,
    group: str | None,
    wait: bool,
    timeout: float | None,
    interval: float,
    keep_running: bool = False,
) -> Result:
    import uuid

    from vegaops.output.result import Result
    from vegaops.runbook import engine
    from vegaops.steps.schedules import RunParams, RunScheduled, find_one, run_task_request
    from vegaops.tasks import run as tr

    run_id = f"vegaops-schedule-{uuid.uuid4().hex[:12]}"
    report = engine.run(ctx, "schedule-run", [engine.single(RunScheduled, RunParams(name, run_id, group))])
    step = report.steps[0]
    tasks = [str(t) for t in step.outputs.get("tasks") or []]
    data: dict[str, Any] = {"schedule": name, "run_id": run_id, "tasks": tasks}
    data["steps"] = [s.to_dict() for s in report.steps]
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
    item = find_one(ctx, name, group)
    prepared = prepared_for(ctx, item, {**run_task_request(item), "startedBy": run_id})

    def sink(event: Any) -> None:
        if ctx.output.json:
            ctx.output.event({"event": "log", **event.to_dict()})
        else:
            ctx.output.line(event.message)

    outcomes = []
    for arn in tasks:
        task = tr.describe(ctx, prepared.cluster, arn) or {"taskArn": arn}
        outcomes.append(
            tr.wait(
                ctx,
                prepared,
                task,
                on_event=sink,
                timeout=timeout,
                keep_running=keep_running,
                poll_seconds=interval,
                on_status=lambda status: ctx.output.note(f"task {status.lower()}"),
            )
        )
    data["results"] = [o.to_dict() for o in outcomes]
    worst = max(outcomes, key=tr.exit_code)
    code = tr.exit_code(worst)
    text = tr.message(worst, name)
    if code == 0:
        return Result(command=ctx.command, status="changed", changes=report.changes, data=data, message=text)
    ids = " ".join(t.rsplit("/", 1)[-1] for t in tasks)
    check = f"aws ecs describe-tasks --cluster {prepared.cluster.rsplit('/', 1)[-1]} --tasks {ids}"
    if worst.verdict == tr.TIMED_OUT:
        hint = "raise --timeout, or pass --keep-running to leave it running"
    elif worst.diagnosis is not None:
        hint = f"{worst.diagnosis.explanation}; {worst.diagnosis.fix}"
    else:
        hint = f"see why: {check}"
    kind = "interrupted" if code == 130 else "timeout" if code == 6 else "failed"
    return Result(
        command=ctx.command,
        status="failed" if code != 6 else "timeout",
        exit_code=code,
        changes=report.changes,
        data=data,
        errors=[{"kind": kind, "message": text, "hint": hint, "exit_code": code}],
    )

"""``ecs.run``: run a one-off task of a service (a migration, a backfill) and gate on its exit code.

The plan is the RunTask request (``vegaops.tasks.run.prepare``: the service's task definition, network,
launch type or capacity providers, platform version). Apply starts the task, streams its log lines and
waits until it stops: exit 0 gives the outputs ``task_arn`` and ``exit_code``; a non-zero exit or a task
that cannot start fails the step (exit 5), a ``timeout`` fails it with exit 6 after stopping the task,
Ctrl-C stops the task too (unless ``keep_running``) and exits 130. ``detach`` returns once it started.

With a ``key``, the step is idempotent: a task of the same service, task definition, command and key
that already exited 0 (ECS keeps stopped tasks for about an hour) means there is nothing to do, so a
release that stopped after its migration resumes without running the migration twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.errors import Interrupted, TimedOut
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.logs.core import LogEvent
    from vegaops.tasks.run import Prepared, RunOutcome


@dataclass(frozen=True)
class RunParams:
    service: str
    command: list[str]
    container: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    task_definition: str | None = None
    cpu: int | None = None
    memory: int | None = None
    timeout: float | None = None  # seconds; None or 0: wait as long as it runs
    keep_running: bool = False  # on timeout or Ctrl-C, leave the task running
    detach: bool = False
    key: str | None = None  # idempotency key: a task with this key that exited 0 is not run again
    stream: bool = False  # the task's lines are the command's output (vegaops run): stdout / NDJSON log events


class TaskTimedOut(TimedOut):
    def __init__(self, message: str, outcome: RunOutcome, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.outcome = outcome


class TaskInterrupted(Interrupted):
    def __init__(self, message: str, outcome: RunOutcome, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.outcome = outcome


def started_by(params: RunParams, task_definition: str) -> str:
    """vegaops's marker, with a digest of what makes the run the same one when a key is given (<= 36 chars)."""
    from vegaops.tasks.run import MARKER

    if not params.key:
        return MARKER
    text = "\0".join([params.service, task_definition, *params.command, params.key])
    return f"{MARKER}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _spec(params: RunParams, started: str) -> Any:
    from vegaops.tasks.run import RunSpec

    return RunSpec(
        service=params.service,
        command=list(params.command),
        container=params.container,
        env=dict(params.env),
        cpu=params.cpu,
        memory=params.memory,
        task_definition=params.task_definition,
        started_by=started,
    )


class RunTask(Step[RunParams]):
    id: ClassVar[str] = "ecs.run"
    Params = RunParams
    outputs = ("task_arn", "exit_code")
    plan_after_missing = True  # the revision it runs may be registered by an earlier step of the same run
    description = "run a one-off task of a service (its task definition and network) and wait for its exit code"

    def plan(self, ctx: AppContext) -> Plan:
        import shlex

        from vegaops.tasks.run import prepare

        p = self.params
        prepared = prepare(ctx, _spec(p, "pending"))
        marker = started_by(p, prepared.task_definition.arn)
        prepared.request["startedBy"] = marker
        if p.key:
            done = self._already_ran(ctx, prepared, marker)
            if done is not None:
                return Plan(
                    self.id,
                    notes=[
                        f"already ran: task {done.rsplit('/', 1)[-1][:12]} of {prepared.key} exited 0 (key {p.key})"
                    ],
                    outputs={"task_arn": done, "exit_code": 0},
                )
        command = shlex.join(p.command)
        change = Change(
            "run",
            f"task:{prepared.ecs_service}",
            f"run a one-off task of {prepared.key} ({prepared.describe()}): {command}",
            {"container": prepared.container, "command": command, "environment": sorted(p.env) or None},
        )
        return Plan(self.id, changes=[change], state={"prepared": prepared})

    def _already_ran(self, ctx: AppContext, prepared: Prepared, marker: str) -> str | None:
        arns = ctx.aws.ecs.list_tasks(prepared.cluster, started_by=marker, desired_status="STOPPED")
        for task in ctx.aws.ecs.describe_tasks(prepared.cluster, arns) if arns else []:
            if task.get("startedBy") != marker or task.get("lastStatus") != "STOPPED":
                continue
            code = next(
                (c.get("exitCode") for c in task.get("containers", []) if c.get("name") == prepared.container), None
            )
            if code == 0:
                return str(task["taskArn"])
        return None

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.tasks import run as tr

        prepared: Prepared = plan.state["prepared"]
        p = self.params
        request = prepared.summary()  # for the command's envelope (no variable values)
        task = tr.start(ctx, prepared)
        arn = str(task["taskArn"])
        change = Change(
            "run", f"task:{prepared.ecs_service}", f"ran task {arn.rsplit('/', 1)[-1][:12]} of {prepared.key}", {}
        )
        if p.detach:
            outcome = tr.RunOutcome(tr.DETACHED, arn, prepared.container, request=request)
            return Outcome([change], {"task_arn": arn, "exit_code": None, "run": outcome.to_dict()}, task=outcome)
        if p.stream:
            sink, status = _stream_sink(ctx), (lambda s: ctx.output.note(f"task {s.lower()}"))
        else:
            sink = _default_sink(ctx)
            status = lambda s: ctx.output.note(f"  task {arn.rsplit('/', 1)[-1][:12]}: {s.lower()}")  # noqa: E731
        outcome = tr.wait(
            ctx, prepared, task, sink, timeout=p.timeout or None, keep_running=p.keep_running, on_status=status
        )
        outcome = dataclasses.replace(outcome, request=request)
        text, hint = tr.message(outcome, prepared.key), tr.hint(outcome, prepared.key)
        if outcome.verdict == tr.TIMED_OUT:
            raise TaskTimedOut(text, outcome, hint)
        if outcome.verdict == tr.INTERRUPTED:
            raise TaskInterrupted(text, outcome, hint)
        if outcome.verdict != tr.SUCCEEDED:
            raise tr.TaskFailed(text, outcome, hint)
        return Outcome(
            [change], {"task_arn": arn, "exit_code": outcome.exit_code, "run": outcome.to_dict()}, task=outcome
        )


def _stream_sink(ctx: AppContext) -> Any:
    """``vegaops run``: the task's log lines are the output: each message on stdout (human), an NDJSON event (json)."""

    def sink(event: LogEvent) -> None:
        if ctx.output.json:
            ctx.output.event({"event": "log", **event.to_dict()})
        else:
            ctx.output.line(event.message)

    return sink


def _default_sink(ctx: AppContext) -> Any:
    """In a runbook: the task's lines on stderr, indented under the step."""

    def sink(event: LogEvent) -> None:
        ctx.output.note(f"  | {event.message}", style="")

    return sink

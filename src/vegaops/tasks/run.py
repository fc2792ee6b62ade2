"""One-off tasks: RunTask like the service's own tasks, wait to STOPPED with the log lines live, a verdict.

``prepare`` reads the service (DescribeServices) and the task definition it runs (or ``--task-definition``)
and builds the RunTask request: the service's network configuration (subnets, security groups, public
IP), its capacity provider strategy or launch type, its platform version, ECS Exec when the service has
it, ``startedBy`` = vegaops's marker, and the container overrides (command, environment; task cpu/memory).
``start`` calls RunTask: a task that cannot be placed is explained with the diagnosis ``debug`` uses.
``wait`` polls DescribeTasks on the injected clock until the task is STOPPED and streams the container's
log lines from the first one through the code of ``logs tail`` (``vegaops.logs``: the awslogs or FireLens
configuration of the task definition, a Follower restricted to this task); logs are enrichment: denied or
missing, the verdict is the same. The verdict comes from DescribeTasks only: the essential container's
exit code, the stop code and reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, OperationFailed, UsageError

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import (
        ContainerOverrideTypeDef,
        KeyValuePairTypeDef,
        RunTaskRequestTypeDef,
        TaskOverrideTypeDef,
    )

    from vegaops.aws.ecs import TaskDefinition
    from vegaops.context import AppContext
    from vegaops.diagnosis import Diagnosis
    from vegaops.logs.core import Item, LogEvent
    from vegaops.logs.sources import LogSource

MARKER = "vegaops-run"  # startedBy of every task vegaops runs (ListTasks --started-by finds them)
POLL_SECONDS = 2.0
LOG_DRAIN_POLLS = 3  # after STOPPED: read the logs until a poll brings nothing new (at most this many)

# Verdicts
SUCCEEDED = "succeeded"
EXITED = "exited"  # the essential container exited non-zero
FAILED_TO_START = "failed-to-start"
TIMED_OUT = "timed-out"
INTERRUPTED = "interrupted"
DETACHED = "detached"
PLANNED = "planned"


@dataclass(frozen=True)
class RunSpec:
    """What the user asked for."""

    service: str
    command: list[str]
    container: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    cpu: int | None = None
    memory: int | None = None
    task_definition: str | None = None
    started_by: str = MARKER


@dataclass
class Prepared:
    key: str
    ecs_service: str
    cluster: str
    task_definition: TaskDefinition
    container: str
    request: RunTaskRequestTypeDef  # RunTask's parameters
    sources: list[LogSource]

    def describe(self) -> str:
        launch = self.request.get("launchType") or "capacity providers " + ",".join(
            str(s.get("capacityProvider")) for s in self.request.get("capacityProviderStrategy", [])
        )
        pv = self.request.get("platformVersion")
        return f"{self.task_definition.family}:{self.task_definition.revision}, {launch}" + (f" {pv}" if pv else "")

    def summary(self) -> dict[str, Any]:
        """What the run request is, for plans and ``-o json`` (never the override environment's values)."""
        overrides = self.request.get("overrides") or {}
        first = list(overrides.get("containerOverrides") or [])
        container = first[0] if first else None
        return {
            "service": self.key,
            "ecs_service": self.ecs_service,
            "cluster": self.cluster,
            "task_definition": self.task_definition.arn,
            "container": self.container,
            "command": container.get("command") if container else None,
            "environment": sorted(
                str(e.get("name")) for e in (container.get("environment") or [] if container else [])
            ),
            "launch_type": self.request.get("launchType"),
            "capacity_provider_strategy": self.request.get("capacityProviderStrategy"),
            "platform_version": self.request.get("platformVersion"),
            "network": (self.request.get("networkConfiguration") or {}).get("awsvpcConfiguration"),
            "cpu": overrides.get("cpu"),
            "memory": overrides.get("memory"),
            "started_by": self.request.get("startedBy"),
        }


@dataclass
class ContainerExit:
    name: str
    exit_code: int | None
    reason: str | None
    essential: bool

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "exit_code": self.exit_code, "reason": self.reason, "essential": self.essential}


@dataclass
class RunOutcome:
    verdict: str
    task_arn: str | None
    container: str
    exit_code: int | None = None  # the essential container's (the chosen one, else the first essential that exited)
    stop_code: str | None = None
    stopped_reason: str | None = None
    containers: list[ContainerExit] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    stopped_by_vegaops: bool = False  # StopTask sent on --timeout or Ctrl-C
    log_events: int = 0
    elapsed: float = 0.0
    request: dict[str, Any] = field(default_factory=dict)  # the RunTask request's summary (variable names only)

    @property
    def task_id(self) -> str | None:
        return self.task_arn.rsplit("/", 1)[-1] if self.task_arn else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "task_arn": self.task_arn,
            "task_id": self.task_id,
            "container": self.container,
            "exit_code": self.exit_code,
            "stop_code": self.stop_code,
            "stopped_reason": self.stopped_reason,
            "containers": [c.to_dict() for c in self.containers],
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "stopped_by_vegaops": self.stopped_by_vegaops,
            "log_events": self.log_events,
            "elapsed_seconds": round(self.elapsed, 1),
        }


class TaskFailed(OperationFailed):
    """The one-off task failed (exit 5): it exited non-zero or could not start; carries the outcome."""

    def __init__(self, message: str, outcome: RunOutcome, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.outcome = outcome


def _pairs(env: dict[str, str]) -> list[KeyValuePairTypeDef]:
    return [{"name": k, "value": v} for k, v in env.items()]


def prepare(ctx: AppContext, spec: RunSpec) -> Prepared:
    """The RunTask request for ``spec`` (reads the service and its task definition; changes nothing)."""
    from vegaops.images.containers import choose
    from vegaops.logs.service import cluster_of, resolve_name
    from vegaops.logs.sources import discover

    if not spec.command:
        raise UsageError("no command to run", hint=f"{prog()} run SERVICE -- CMD ARGS...")
    for name, value in (("--cpu", spec.cpu), ("--memory", spec.memory)):
        if value is not None and value <= 0:
            raise UsageError(f"{name} {value}: must be a positive number", hint=f"for example {name} 512")
    cluster = cluster_of(ctx)
    key, ecs_name, cfg = resolve_name(ctx, spec.service)
    service = ctx.aws.ecs.require_services(
        cluster, [ecs_name], hint=f"check the name with: {prog()} status, or the cluster in vegaops.toml"
    )[ecs_name]
    td = _task_definition(ctx, spec.task_definition or str(service["taskDefinition"]))
    names = [str(c.get("name")) for c in td.containers]
    if spec.container is not None:
        if spec.container not in names:
            raise UsageError(
                f"--container {spec.container}: no such container in {td.family}:{td.revision}",
                hint=f"containers: {', '.join(names)}",
            )
        container = spec.container
    else:
        picked = choose(td.raw, getattr(cfg, "container", None), getattr(cfg, "ecr_repo", None))
        if picked.name is None:
            raise UsageError(
                f"{key}: which container runs the command? ({picked.how}: {', '.join(picked.candidates or names)})",
                hint=f"pass --container, e.g. {prog()} run {spec.service} --container {(picked.candidates or names)[0]}"
                " -- CMD",
            )
        container = picked.name
    override: ContainerOverrideTypeDef = {"name": container, "command": list(spec.command)}
    if spec.env:
        override["environment"] = _pairs(spec.env)
    overrides: TaskOverrideTypeDef = {"containerOverrides": [override]}
    if spec.cpu is not None:
        overrides["cpu"] = str(spec.cpu)
    if spec.memory is not None:
        overrides["memory"] = str(spec.memory)
    request: RunTaskRequestTypeDef = {
        "cluster": cluster,
        "taskDefinition": td.arn,
        "count": 1,
        "startedBy": spec.started_by,
        "overrides": overrides,
    }
    network = service.get("networkConfiguration")
    if network:
        request["networkConfiguration"] = network
    elif td.raw.get("networkMode") == "awsvpc":
        raise UsageError(
            f"{key}: the service has no network configuration and {td.family} uses awsvpc",
            hint="a one-off task needs the service's subnets and security groups; check the service in the console",
        )
    strategy = service.get("capacityProviderStrategy")
    if strategy:
        request["capacityProviderStrategy"] = strategy
    elif service.get("launchType"):
        request["launchType"] = service["launchType"]
    if service.get("platformVersion") and (strategy or service.get("launchType") == "FARGATE"):
        request["platformVersion"] = service["platformVersion"]
    if service.get("enableExecuteCommand"):
        request["enableExecuteCommand"] = True
    sources = [s for s in discover(key, td.raw, ctx.settings.region, cluster) if s.container == container]
    return Prepared(key, ecs_name, cluster, td, container, request, sources)


def _task_definition(ctx: AppContext, ref: str) -> TaskDefinition:
    from vegaops.aws.errors import error_code, is_botocore_error

    try:
        return ctx.aws.ecs.describe_task_definition(ref, tags=False)
    except Exception as exc:
        if is_botocore_error(exc) and error_code(exc) in ("ClientException", "InvalidParameterException"):
            raise NotFoundError(
                f"task definition {ref} not found", hint=f"{prog()} deploy history shows the revisions"
            ) from None
        raise


def start(ctx: AppContext, prepared: Prepared) -> dict[str, Any]:
    """RunTask. A task ECS cannot place (``failures``) fails here, explained like ``debug`` explains it."""
    response = ctx.aws.ecs_client.run_task(**prepared.request)
    tasks = list(response.get("tasks", []))
    if tasks:
        task: dict[str, Any] = dict(tasks[0])
        return task
    failures = list(response.get("failures", []))
    text = "; ".join(f"{f.get('reason', '')}" + (f" ({f['detail']})" if f.get("detail") else "") for f in failures)
    from vegaops.diagnosis import classify_message

    diagnosis = classify_message(text or "RunTask started no task", prepared.key)
    outcome = RunOutcome(FAILED_TO_START, None, prepared.container, stopped_reason=text, diagnosis=diagnosis)
    raise TaskFailed(
        message(outcome, prepared.key),
        outcome,
        hint=diagnosis.fix if diagnosis else f"{prog()} debug {prepared.key}",
    )


class _LogStream:
    """The task's log lines through ``vegaops.logs`` (the code of ``logs tail``), restricted to this task."""

    def __init__(self, ctx: AppContext, prepared: Prepared, task_id: str, since_ms: int) -> None:
        from vegaops.logs.core import Fetcher, Follower, Selector
        from vegaops.ratelimit import RateLimiter

        self.ctx = ctx
        self.follower: Follower | None = None
        tailable = [s for s in prepared.sources if s.tailable and s.group]
        for s in prepared.sources:
            if not s.tailable:
                ctx.output.warn(
                    f"{prepared.key}/{s.container}: logs go to {s.destination}, not CloudWatch Logs; "
                    "vegaops cannot stream them (the exit code is still reported)"
                )
        if not tailable:
            return
        selectors: dict[str, Selector] = {}
        for s in tailable:
            assert s.group is not None
            selectors.setdefault(s.group, Selector(s.group, [], None, {task_id})).sources.append(s)
        fetcher = Fetcher(
            ctx.aws.logs,
            ctx.clock,
            RateLimiter(ctx.clock, rate=5, burst=5),
            notice=lambda m: ctx.output.note(m, style="yellow"),
            per_stream=False,
        )
        self.follower = Follower(fetcher, list(selectors.values()), since_ms=since_ms, overlap_ms=60_000)

    def poll(self) -> list[LogEvent]:
        from vegaops.aws.errors import error_code
        from vegaops.logs.core import LogEvent

        if self.follower is None:
            return []
        follower = self.follower

        def lines() -> list[Item]:
            try:
                return follower.poll_once()
            except Exception as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return []  # the log group appears with the task's first line (awslogs-create-group)
                raise

        empty: list[Item] = []
        items: list[Item] = self.ctx.enrichment.call(
            "logs:FilterLogEvents", lines, empty, "the task's log lines (the exit code is still reported)"
        )
        if self.ctx.enrichment.unavailable("logs:FilterLogEvents"):
            self.follower = None
        return [i for i in items if isinstance(i, LogEvent)]


def _ms(value: Any) -> int | None:
    from datetime import datetime

    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, int | float):
        return int(value * 1000) if value < 10**11 else int(value)
    return None


def describe(ctx: AppContext, cluster: str, task_arn: str) -> dict[str, Any] | None:
    tasks = ctx.aws.ecs.describe_tasks(cluster, [task_arn])
    return dict(tasks[0]) if tasks else None


def outcome_of(prepared: Prepared, task: dict[str, Any]) -> RunOutcome:
    """The verdict of a STOPPED task, from DescribeTasks only."""
    from vegaops.diagnosis import classify_task, task_from_api

    essential = {str(c.get("name")): bool(c.get("essential", True)) for c in prepared.task_definition.containers}
    containers = [
        ContainerExit(str(c.get("name")), c.get("exitCode"), c.get("reason"), essential.get(str(c.get("name")), True))
        for c in task.get("containers", [])
    ]
    chosen = next((c for c in containers if c.name == prepared.container), None)
    main = (
        chosen
        if chosen is not None and (chosen.essential or chosen.exit_code is not None)
        else next((c for c in containers if c.essential and c.exit_code is not None), chosen)
    )
    code = main.exit_code if main is not None else None
    outcome = RunOutcome(
        SUCCEEDED,
        str(task.get("taskArn")),
        prepared.container,
        exit_code=code,
        stop_code=task.get("stopCode"),
        stopped_reason=task.get("stoppedReason") or None,
        containers=containers,
    )
    if code == 0:
        return outcome
    started = task.get("startedAt") is not None or any(c.exit_code is not None for c in containers)
    never_ran = not started or task.get("stopCode") == "TaskFailedToStart"
    outcome.verdict = FAILED_TO_START if code is None and never_ran else EXITED
    if outcome.verdict == FAILED_TO_START or any(c.reason for c in containers):
        # why it could not start (image, secrets, placement) or why ECS killed it (OOM): debug's diagnosis; a
        # command that merely exited non-zero needs none (its log lines say why)
        stop = task_from_api(task, prepared.task_definition.raw, prepared.container)
        outcome.diagnosis = classify_task(stop, prepared.key)
    return outcome


def wait(
    ctx: AppContext,
    prepared: Prepared,
    task: dict[str, Any],
    on_event: Callable[[LogEvent], None],
    timeout: float | None = None,
    keep_running: bool = False,
    poll_seconds: float = POLL_SECONDS,
    on_status: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Poll the task (injected clock) until STOPPED, streaming its log lines; on ``timeout`` or Ctrl-C stop it
    (unless ``keep_running``) and say so in the outcome."""
    task_arn = str(task["taskArn"])
    task_id = task_arn.rsplit("/", 1)[-1]
    clock = ctx.clock
    began = clock.monotonic()
    since = (_ms(task.get("createdAt")) or int(clock.now().timestamp() * 1000)) - 5_000
    logs = _LogStream(ctx, prepared, task_id, since)
    count = 0
    last_status = str(task.get("lastStatus") or "")

    def emit(events: list[LogEvent]) -> None:
        nonlocal count
        for e in events:
            count += 1
            on_event(e)

    try:
        while True:
            current = describe(ctx, prepared.cluster, task_arn)
            if current is None:
                raise NotFoundError(f"task {task_id} is gone from cluster {prepared.cluster}")
            emit(logs.poll())
            status = str(current.get("lastStatus") or "")
            if status != last_status and on_status is not None:
                on_status(status)
            last_status = status
            if status == "STOPPED":
                for _ in range(LOG_DRAIN_POLLS):  # the last lines reach CloudWatch shortly after the exit
                    fresh = logs.poll()
                    emit(fresh)
                    if not fresh:
                        break
                    clock.sleep(poll_seconds)
                outcome = outcome_of(prepared, current)
                outcome.log_events, outcome.elapsed = count, clock.monotonic() - began
                return outcome
            if timeout is not None and clock.monotonic() - began >= timeout:
                outcome = RunOutcome(TIMED_OUT, task_arn, prepared.container, log_events=count)
                outcome.elapsed = clock.monotonic() - began
                if not keep_running:
                    stop(ctx, prepared.cluster, task_arn, f"stopped by vegaops: --timeout {timeout:g}s passed")
                    outcome.stopped_by_vegaops = True
                return outcome
            clock.sleep(poll_seconds)
    except KeyboardInterrupt as exc:
        from vegaops.errors import Terminated

        outcome = RunOutcome(INTERRUPTED, task_arn, prepared.container, log_events=count)
        outcome.elapsed = clock.monotonic() - began
        if not keep_running:
            why = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted (Ctrl-C)"
            stop(ctx, prepared.cluster, task_arn, f"stopped by vegaops: {why}")
            outcome.stopped_by_vegaops = True
        return outcome


def stop(ctx: AppContext, cluster: str, task_arn: str, reason: str) -> None:
    ctx.aws.ecs_client.stop_task(cluster=cluster, task=task_arn, reason=reason[:255])


def message(outcome: RunOutcome, key: str) -> str:
    """One line saying how the run ended."""
    tid = (outcome.task_id or "")[:12]
    if outcome.verdict == SUCCEEDED:
        return f"task {tid} ({key}) exited 0"
    if outcome.verdict == EXITED:
        main = next((c for c in outcome.containers if c.name == outcome.container), None)
        why = f" ({main.reason})" if main is not None and main.reason else ""
        return f"task {tid} ({key}): container {outcome.container} exited with code {outcome.exit_code}{why}"
    if outcome.verdict == FAILED_TO_START:
        what = outcome.diagnosis.reason if outcome.diagnosis else outcome.stopped_reason or outcome.stop_code
        return f"task {tid} ({key}) could not start: {what}" if tid else f"{key}: the task could not start: {what}"
    if outcome.verdict == TIMED_OUT:
        what = "stopped it" if outcome.stopped_by_vegaops else "it keeps running (--keep-running)"
        return f"task {tid} ({key}) still running after {outcome.elapsed:.0f}s: timed out; vegaops {what}"
    if outcome.verdict == INTERRUPTED:
        what = (
            "the task was stopped (StopTask sent)"
            if outcome.stopped_by_vegaops
            else "the task keeps running (--keep-running)"
        )
        return f"interrupted: {what}: {outcome.task_arn}"
    if outcome.verdict == DETACHED:
        return f"task {tid} ({key}) started: {outcome.task_arn}"
    return f"task {tid} ({key}): {outcome.verdict}"


def exit_code(outcome: RunOutcome, propagate: bool = False) -> int:
    """The command's exit code (README's contract); ``propagate``: the container's own non-zero code."""
    from vegaops.errors import ExitCode

    if outcome.verdict in (SUCCEEDED, DETACHED, PLANNED):
        return int(ExitCode.OK)
    if outcome.verdict == TIMED_OUT:
        return int(ExitCode.TIMEOUT)
    if outcome.verdict == INTERRUPTED:
        return int(ExitCode.INTERRUPTED)
    if outcome.verdict == EXITED and propagate and outcome.exit_code:
        return outcome.exit_code if 0 < outcome.exit_code < 256 else int(ExitCode.FAILED)
    return int(ExitCode.FAILED)


def hint(outcome: RunOutcome, key: str) -> str | None:
    logs = f"{prog()} logs tail {key} --task {(outcome.task_id or '')[:12]} --since 1h"
    if outcome.verdict == EXITED:
        why = f"{outcome.diagnosis.explanation}; " if outcome.diagnosis else ""
        return f"{why}the task's log: {logs}"
    if outcome.diagnosis is not None:
        return f"{outcome.diagnosis.explanation}; {outcome.diagnosis.fix}"
    if outcome.verdict == TIMED_OUT:
        return "raise --timeout, or pass --keep-running to leave it running"
    return None

"""``vegaops run SERVICE [options] -- CMD ARGS...``: a one-off task of a service, its logs live, its exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vegaops.cli.common import app_ctx, emit

if TYPE_CHECKING:
    from vegaops.context import AppContext


def run(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="The service whose task definition and network the task uses.")],
    command: Annotated[
        list[str] | None, typer.Argument(help="The command and its arguments (after --), run in the container.")
    ] = None,
    container: Annotated[
        str | None, typer.Option("--container", "-c", help="The container that runs the command.")
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option("--env", help="KEY=VALUE for the container (repeatable); the environment is -e/--env before run."),
    ] = None,
    cpu: Annotated[int | None, typer.Option("--cpu", help="Task CPU units for this run (e.g. 1024).")] = None,
    memory: Annotated[int | None, typer.Option("--memory", help="Task memory in MiB for this run.")] = None,
    task_definition: Annotated[
        str | None, typer.Option("--task-definition", help="Run this revision instead of the service's live one.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Seconds to wait; then stop the task and exit 6.")
    ] = None,
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="On --timeout or Ctrl-C leave the task running.")
    ] = False,
    detach: Annotated[bool, typer.Option("--detach", help="Print the task ARN once started and return.")] = False,
    propagate: Annotated[
        bool,
        typer.Option("--propagate-exit-code", help="Exit with the container's own code when it exits non-zero."),
    ] = False,
) -> None:
    """Run CMD in a one-off task of SERVICE; stream its log lines; exit 0 when it exits 0 (else 5, see --help)."""
    from vegaops.inputs import parse_pairs, positive_seconds
    from vegaops.runbook import engine
    from vegaops.steps.run import RunParams, RunTask

    a = app_ctx(ctx)
    if timeout is not None:
        positive_seconds(timeout, "--timeout")
    params = RunParams(
        service=service,
        command=list(command or []),
        container=container,
        env=parse_pairs(env, "--env"),
        task_definition=task_definition,
        cpu=cpu,
        memory=memory,
        timeout=timeout,
        keep_running=keep_running,
        detach=detach,
        stream=True,
    )
    report = engine.execute(a, "run", [engine.single(RunTask, params)])
    if report.failed is not None:  # the task ran and failed: its outcome is the failed step's error's
        outcome = getattr(report.failed.exception, "outcome", None)
        if outcome is None:
            report.raise_for_failure()
        _finish(a, outcome, report, params, propagate)
        return
    step = report.steps[0]
    if report.dry_run:
        from vegaops.cli.common import run_result

        emit(a, run_result(a, report))
        return
    assert step.outcome is not None and step.outcome.task is not None  # ecs.run always says how the task ended
    _finish(a, step.outcome.task, report, params, propagate)


def _finish(a: AppContext, outcome: object, report: object, params: object, propagate: bool) -> None:
    """The end of a run: stdout carries only the task's lines (and the ARN with --detach); the stop reason and
    exit codes go to stderr, the envelope (json) to stdout."""
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport
    from vegaops.tasks import run as tr

    assert isinstance(outcome, tr.RunOutcome) and isinstance(report, RunReport)
    key = str(getattr(params, "service", ""))
    code = tr.exit_code(outcome, propagate)
    text = tr.message(outcome, key)
    errors = []
    if code:
        kind = "interrupted" if code == 130 else "timeout" if code == 6 else "failed"
        errors.append({"kind": kind, "message": text, "hint": tr.hint(outcome, key), "exit_code": code})
    result = Result(
        a.command,
        status="ok" if code == 0 else "error",
        exit_code=code,
        changes=report.changes,
        data={
            "run": outcome.to_dict(),
            "request": outcome.request or None,
            "steps": [s.to_dict() for s in report.steps],
        },
        errors=errors,
    )
    if a.output.json:
        a.output.result(result)
        if code:
            raise typer.Exit(code)
        return
    if outcome.verdict == tr.DETACHED:
        a.output.line(str(outcome.task_arn))  # stdout: the ARN alone, for scripts
        a.output.info(text)
        return
    if outcome.task_arn:
        a.output.info(f"task {outcome.task_arn}")
    if outcome.stop_code or outcome.stopped_reason:
        a.output.info(f"stopped: {outcome.stop_code or '-'}: {outcome.stopped_reason or '-'}")
    for c in outcome.containers:
        a.output.info(f"exit code {c.name}: {c.exit_code if c.exit_code is not None else 'none'}")
    if code:
        a.output.failure(result)
        raise typer.Exit(code)
    a.output.info(text)

"""``vegaops shell SERVICE [--task ID] [--container C] [-- CMD]``: ECS Exec into a running task, after a preflight."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def shell(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="The service (config key or ECS service name).")],
    command: Annotated[
        list[str] | None, typer.Argument(help="The command to run instead of a shell (after --).")
    ] = None,
    task: Annotated[str | None, typer.Option("--task", "-t", help="This task (id or ARN), not the newest.")] = None,
    container: Annotated[str | None, typer.Option("--container", "-c", help="The container to open.")] = None,
    enable: Annotated[
        bool, typer.Option("--enable", help="Turn ECS Exec on for the service and start a new deployment.")
    ] = False,
    no_local: Annotated[
        bool, typer.Option("--no-local", help="Sandbox: refuse instead of opening a local shell without the plugin.")
    ] = False,
) -> None:
    """Open a shell (or run CMD) in a running task of SERVICE through ECS Exec and the Session Manager plugin."""
    from vegaops.tasks import session as ses

    a = app_ctx(ctx)
    if enable:
        from vegaops.cli.common import run_result
        from vegaops.runbook import engine
        from vegaops.steps.exec import EnableExec, EnableExecParams

        report = engine.run(
            a,
            "shell --enable",
            [engine.single(EnableExec, EnableExecParams(service))],
            always_confirm=True,  # a new deployment of the service: always asked (--yes answers it)
            then=[f"when the new tasks run: vegaops shell {service}"],
        )
        emit(a, run_result(a, report))
        return
    target = ses.find_target(a, service, task, container)
    checks = ses.preflight(a, target, "shell")
    local = ses.is_sandbox(a) and not no_local and any(c.name == ses.PLUGIN and c.ok is False for c in checks)
    try:
        ses.verdict(checks, local_fallback=local)
    except ses.PreflightFailed as exc:
        result = ses.refusal(a.command, exc)
        a.output.failure(result)
        raise typer.Exit(result.exit_code) from None
    a.output.note(f"preflight: {sum(1 for c in checks if c.ok)} checks passed for task {target.task_id[:12]}")
    if local:
        a.output.warn(
            f"sandbox: {ses.PLUGIN} is not installed, so this is a LOCAL shell with the environment of "
            f"{target.ecs_service}'s container {target.container} (task {target.task_id[:12]}), not a session in "
            "the container; --no-local refuses instead, as against AWS"
        )
        code = ses.local_shell(a, target, list(command or []))
    else:
        code = ses.execute_command(a, target, list(command or []))
    raise typer.Exit(code)

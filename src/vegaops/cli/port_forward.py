"""``vegaops port-forward SERVICE --remote HOST:PORT [--local PORT]``: a local port into the VPC through a task."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx


def port_forward(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="The service whose running task carries the connection.")],
    remote: Annotated[
        str,
        typer.Option("--remote", "-r", help="HOST:PORT inside the VPC, or db for the environment's database."),
    ],
    local: Annotated[int | None, typer.Option("--local", "-l", help="Local port (default: the remote port).")] = None,
    task: Annotated[str | None, typer.Option("--task", "-t", help="Through this task (id or ARN).")] = None,
    container: Annotated[str | None, typer.Option("--container", "-c", help="Through this container.")] = None,
) -> None:
    """Forward a local port to HOST:PORT (RDS, Aurora, ElastiCache) through a running task of SERVICE (SSM)."""
    from vegaops.errors import UsageError
    from vegaops.tasks import session as ses

    a = app_ctx(ctx)
    if local is not None and not 0 < local < 65536:
        raise UsageError(f"--local {local}: not a port number", hint="for example --local 15432")
    host, port = ses.parse_remote(a, remote)
    target = ses.find_target(a, service, task, container)
    checks = ses.preflight(a, target, "port-forward")
    try:
        ses.verdict(checks)
    except ses.PreflightFailed as exc:
        if ses.is_sandbox(a) and exc.exit_code == 2:
            exc.hint = f"the sandbox has no network to forward into; {exc.hint}"
        result = ses.refusal(a.command, exc)
        a.output.failure(result)
        raise typer.Exit(result.exit_code) from None
    local_port = local or port
    a.output.note(
        f"forwarding 127.0.0.1:{local_port} -> {host}:{port} through task {target.task_id[:12]} (Ctrl-C ends)"
    )
    raise typer.Exit(ses.port_forward(a, target, host, port, local_port))

"""``vegaops scale``: desired counts (watched to a steady state), autoscaling bounds, suspend/resume, and
``--all 0`` / ``--all --restore`` with the counts kept in AWS."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import DryRunOpt, app_ctx, emit
from vegaops.cmdline import prog


def scale(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Argument(help="Service to scale.", autocompletion=completion.services, show_default=False)
    ] = None,
    count: Annotated[int | None, typer.Argument(help="Desired number of tasks.", show_default=False)] = None,
    low: Annotated[int | None, typer.Option("--min", help="Autoscaling minimum (RegisterScalableTarget).")] = None,
    high: Annotated[int | None, typer.Option("--max", help="Autoscaling maximum (RegisterScalableTarget).")] = None,
    suspend: Annotated[
        bool | None, typer.Option("--suspend/--resume", help="Suspend or resume the service's autoscaling.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every service of the environment: --all 0, or --all --restore.")
    ] = False,
    restore: Annotated[
        bool, typer.Option("--restore", help="With --all: put back the counts and bounds saved by --all 0.")
    ] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="How long to watch: 900, 15m, 1h.")] = "15m",
    poll_interval: Annotated[
        float | None, typer.Option("--poll-interval", help="Fixed seconds between polls (default: adaptive).")
    ] = None,
    watch: Annotated[bool, typer.Option("--watch/--no-watch", help="Watch new counts to a steady state.")] = True,
    dry_run: DryRunOpt = False,
) -> None:
    """Scale SERVICE to N tasks and watch it to a steady state (exit 0, 5, 6, 7); --min/--max, --suspend/--resume
    change its autoscaling; --all 0 saves every service's counts in SSM and scales to zero, --all --restore
    puts them back."""
    from vegaops.capacity.scale import Watch, restore_all, scale_all_to_zero, scale_service, set_autoscaling
    from vegaops.errors import UsageError
    from vegaops.inputs import parse_duration, positive_seconds

    w = Watch(parse_duration(timeout, "--timeout"), positive_seconds(poll_interval, "--poll-interval"), watch)
    bounds = low is not None or high is not None or suspend is not None
    if all_:
        if service is not None and service.isdigit() and count is None:
            count, service = int(service), None  # vegaops scale --all 0
        if service is not None or bounds:
            raise UsageError(
                "--all takes no SERVICE, --min, --max, --suspend or --resume",
                hint=f"{prog()} scale --all 0, then {prog()} scale --all --restore",
            )
        if restore == (count is not None) or (count not in (None, 0)):
            raise UsageError(
                "--all needs 0 or --restore", hint=f"{prog()} scale --all 0, then {prog()} scale --all --restore"
            )
        a = app_ctx(ctx, dry_run)
        emit(a, restore_all(a, w) if restore else scale_all_to_zero(a, w))
        return
    if restore:
        raise UsageError("--restore goes with --all", hint=f"{prog()} scale --all --restore")
    if service is None:
        raise UsageError("scale needs a SERVICE (or --all)", hint=f"{prog()} scale api 3")
    if count is None and not bounds:
        raise UsageError(
            f"scale {service}: give a task count, --min/--max or --suspend/--resume",
            hint=f"{prog()} scale {service} 3",
        )
    if count is not None and bounds:
        raise UsageError(
            "give either a task count or --min/--max/--suspend/--resume, not both",
            hint=f"{prog()} scale {service} --min 1 --max 4, then {prog()} scale {service} 2",
        )
    a = app_ctx(ctx, dry_run)
    if count is not None:
        emit(a, scale_service(a, service, count, w))
    else:
        emit(a, set_autoscaling(a, service, low, high, suspend))

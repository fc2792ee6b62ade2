"""``vegaops cost [SERVICE...]``: the monthly cost of what runs now, the actual month to date, savings hints."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import app_ctx, emit


def cost(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None,
        typer.Argument(help="Services (default: all of the environment).", autocompletion=completion.services),
    ] = None,
) -> None:
    """Per service: Fargate vCPU/GB-hours x 730 h (x86 or ARM64, Spot share, storage); the environment's ALB, NAT,
    databases, caches, secrets, logs; the month-to-date actual cost; savings hints with their amounts."""
    from vegaops.cost.report import cost as run_cost

    a = app_ctx(ctx)
    emit(a, run_cost(a, list(services or [])))

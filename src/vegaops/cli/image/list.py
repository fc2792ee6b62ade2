"""``vegaops image list``: tags, digests, scans, and what each environment runs."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def list_(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service (key in vegaops.toml or ECS service name).")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N images (newest first); 0 = all.")] = 50,
) -> None:
    """Tags, digests, pushed-at, size and scan findings; and which tag/digest each environment runs."""
    from vegaops.images.listing import image_list

    a = app_ctx(ctx)
    emit(a, image_list(a, service, limit))

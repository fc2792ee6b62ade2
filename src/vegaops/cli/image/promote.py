"""``vegaops image promote``: copy a tag by manifest between repositories or registries."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit


def promote(
    ctx: typer.Context,
    tag: Annotated[str, typer.Argument(help="The tag to promote.")],
    from_: Annotated[str, typer.Option("--from", help="Source: an environment or an ECR repository.")],
    to: Annotated[str, typer.Option("--to", help="Target: an environment or an ECR repository.")],
    as_: Annotated[str | None, typer.Option("--as", help="Tag in the target (default: the same tag).")] = None,
    service: Annotated[
        str | None, typer.Option("--service", "-s", help="Service whose repository an environment means.")
    ] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Copy TAG by manifest (no rebuild); the same digest on both sides; a no-op when already there."""
    from vegaops.image_transfer import promote_image
    from vegaops.inputs import check_image_tag

    check_image_tag(tag, "TAG")
    if as_ is not None:
        check_image_tag(as_, "--as")
    a = app_ctx(ctx, dry_run)
    emit(a, promote_image(a, tag, from_, to, as_, service))

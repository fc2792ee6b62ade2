"""``vegaops image push``: an image into the service's ECR repository (docker or daemonless)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit


def push(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service (key in vegaops.toml or ECS service name).")],
    tag: Annotated[str, typer.Option("--tag", "-t", help="Tag to push.")],
    source: Annotated[str, typer.Option("--source", help="docker://IMAGE | oci:PATH[:REF] | docker-archive:PATH")],
    mount_from: Annotated[
        list[str] | None,
        typer.Option(
            "--mount-from",
            help="Repository of the same registry to mount layers from (repeatable; default: "
            "the other repositories in vegaops.toml).",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=16, help="Parallel layer uploads.")] = 4,
    dry_run: DryRunOpt = False,
) -> None:
    """Push an image into the service's ECR repository; prints the digest the registry reports."""
    from vegaops.image_transfer import push_image
    from vegaops.inputs import check_image_tag

    check_image_tag(tag)
    a = app_ctx(ctx, dry_run)
    emit(a, push_image(a, service, tag, source, mount_from, jobs))

"""``vegaops image promote``: copy a tag by manifest between repositories or registries."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    DryRunOpt,
    app_ctx,
    emit,
    run_result,
)
from vegaops.errors import UsageError


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
    from vegaops.images.locate import locate, registry_key
    from vegaops.inputs import check_image_tag
    from vegaops.runbook import engine
    from vegaops.steps.ecr import PromoteImage, PromoteParams

    check_image_tag(tag, "TAG")
    if as_ is not None:
        check_image_tag(as_, "--as")
    a = app_ctx(ctx, dry_run)
    source = locate(a, from_, service, "--from")
    target = locate(a, to, service, "--to")
    source_env = None
    if registry_key(source.ctx.settings) != registry_key(target.ctx.settings):
        # different registries (account/region): blobs are copied over the registry API
        source_env = source.ctx.settings.env
        if source_env is None:
            raise UsageError(
                f"--from {source.label}: which environment's registry is it in?",
                hint="select it with --env, or name an environment in --from",
            )
    if source.repository == target.repository and (as_ or tag) == tag:
        raise UsageError(
            f"--from and --to are the same repository {source.repository!r}",
            hint="pass --as NEW_TAG to retag inside one repository",
        )
    params = PromoteParams(
        tag=tag, source_repository=source.repository, repository=target.repository, new_tag=as_, source_env=source_env
    )
    report = engine.run(target.ctx, a.command, [engine.single(PromoteImage, params)])
    outputs = report.steps[0].outputs
    emit(
        a,
        run_result(
            a,
            report,
            data={
                "digest": outputs.get("digest"),
                "image": outputs.get("image"),
                "source": f"{source.repository}:{tag}",
                "target": f"{target.repository}:{as_ or tag}",
            },
        ),
    )

"""``vegaops image push``: an image into the service's ECR repository (docker or daemonless)."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import (
    DryRunOpt,
    app_ctx,
    emit,
    run_result,
)


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
    from vegaops.images.locate import mount_candidates, repo_of
    from vegaops.inputs import check_image_tag
    from vegaops.runbook import engine
    from vegaops.steps.ecr import PushImage, PushParams

    check_image_tag(tag)
    a = app_ctx(ctx, dry_run)
    repo = repo_of(a.settings.service(service))
    mounts = list(mount_from) if mount_from else mount_candidates(a, repo)
    params = PushParams(repository=repo, tag=tag, source=source, mount_from=mounts, jobs=jobs)
    report = engine.run(a, a.command, [engine.single(PushImage, params)])
    out = report.steps[0].outputs
    blobs = out.get("blobs") or []
    message = None
    if report.changed:
        counts: dict[str, int] = {}
        for b in blobs:
            key = "mounted" if str(b["status"]).startswith("mounted") else b["status"]
            counts[key] = counts.get(key, 0) + 1
        detail = ", ".join(f"{n} {k}" for k, n in counts.items())
        message = f"pushed {repo}:{tag} {out.get('digest')}" + (
            f" ({detail}; {out.get('bytes_uploaded', 0):,} layer bytes sent)" if blobs else ""
        )
    data = {
        "digest": out.get("digest"),
        "image": out.get("image"),
        "repository": repo,
        "tag": tag,
        "bytes_uploaded": out.get("bytes_uploaded", 0),
        "blobs": blobs,
    }
    emit(a, run_result(a, report, data=data, message=message))

"""``vegaops image``: push (docker or daemonless), promote between repositories, list tags and what runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from vegaops.cli.common import DryRunOpt, app_ctx, emit, run_result
from vegaops.errors import UsageError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.images.running import Running

app = typer.Typer(
    rich_markup_mode=None,
    help="Container images in ECR: push, promote, list.",
    no_args_is_help=True,
)


@app.command("push")
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


@app.command("promote")
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


@app.command("list")
def list_(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service (key in vegaops.toml or ECS service name).")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N images (newest first); 0 = all.")] = 50,
) -> None:
    """Tags, digests, pushed-at, size and scan findings; and which tag/digest each environment runs."""
    from vegaops.aws.ecr import Ecr
    from vegaops.images.locate import env_names, repo_of
    from vegaops.output.result import Result, Table, View

    a = app_ctx(ctx)
    svc = a.settings.service(service)
    repo = repo_of(svc)
    images = Ecr(a.client("ecr")).list_images(repo)
    running = [_running(a, env, service) for env in env_names(a)]
    by_digest: dict[str, list[str]] = {}
    for r in running:
        if r.digest:
            by_digest.setdefault(r.digest, []).append(r.env)
    shown = images[:limit] if limit else images
    rows = [
        [
            ", ".join(i.tags) or "<untagged>",
            _short(i.digest),
            i.pushed_at,
            _size(i.size),
            i.scan.text if i.scan else "-",
            ", ".join(by_digest.get(i.digest, [])) or "-",
        ]
        for i in shown
    ]
    env_rows = [
        [r.env, r.tag or "-", _short(r.digest) if r.digest else "-", r.task_definition or "-", r.error or "ok"]
        for r in running
    ]
    data = {
        "service": svc.name,
        "repository": repo,
        "images": [
            {
                "tags": list(i.tags),
                "digest": i.digest,
                "pushed_at": i.pushed_at,
                "size": i.size,
                "scan": ({"status": i.scan.status, "findings": i.scan.findings} if i.scan else None),
                "running_in": by_digest.get(i.digest, []),
            }
            for i in images
        ],
        "environments": [r.to_dict() for r in running],
    }
    columns = ["TAGS", "DIGEST", "PUSHED", "SIZE", "SCAN", "RUNNING IN"]
    views: list[View] = [Table(columns, rows, title=f"{repo} images")]
    if env_rows:
        views.append(Table(["ENV", "TAG", "DIGEST", "TASK DEFINITION", "STATUS"], env_rows, title="environments"))
    message = None if images else f"no images in {repo}"
    unreachable = [r.env for r in running if r.error]
    if unreachable:
        a.output.warn(f"could not read what runs in: {', '.join(unreachable)} (see STATUS)")
    emit(a, Result(a.command, data=data, views=views, message=message))


def _running(a: AppContext, env: str, service: str) -> Running:
    """One environment's running image, or the reason it could not be read (never raises)."""
    from vegaops.aws.errors import is_botocore_error, translate
    from vegaops.errors import VegaopsError
    from vegaops.images.locate import context_for
    from vegaops.images.running import Running, running_image

    try:
        ctx = context_for(a, env, max_attempts=2)
        svc = ctx.settings.service(service)
        return running_image(ctx, env, svc)
    except VegaopsError as exc:
        return Running(env, error=exc.message)
    except Exception as exc:
        if is_botocore_error(exc):
            return Running(env, error=translate(exc).message)
        raise


def _short(digest: str) -> str:
    return digest[:19] if digest.startswith("sha256:") else digest


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"

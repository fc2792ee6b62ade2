"""``vegaops image list``: a repository's images next to what each environment runs (read from every environment,
an unreachable one reported, never fatal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.images.running import Running
    from vegaops.output.result import Result


def image_list(a: AppContext, service: str, limit: int) -> Result:
    """Tags, digests, pushed-at, size and scan findings of the service's repository, and what each environment runs."""
    from dataclasses import replace

    from vegaops.images.locate import env_names, repo_of
    from vegaops.output.result import Result, Table, View

    svc = a.settings.service(service)
    repo = repo_of(svc)
    images = a.aws.ecr.list_images(repo)
    running = [_running(a, env, service) for env in env_names(a)]
    tags_by_digest = {i.digest: i.tags for i in images if i.tags}
    running = [  # an image pinned by digest: its tag is the one ECR holds for that digest (as status shows it)
        replace(r, tag=", ".join(tags_by_digest[r.digest]))
        if not r.tag and r.digest and r.digest in tags_by_digest
        else r
        for r in running
    ]
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
    return Result(a.command, data=data, views=views, message=message)


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

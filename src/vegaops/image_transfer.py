"""``vegaops image push`` and ``image promote``: an image into a service's repository, or a tag copied by manifest
between repositories and registries, each one step through the runbook engine.

Above ``vegaops.images`` (which the ``ecr.*`` steps drive) and ``vegaops.steps``/``vegaops.runbook``, so that the
images package never imports the engine that runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vegaops.errors import UsageError
from vegaops.runbook.result import run_result

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def push_image(a: AppContext, service: str, tag: str, source: str, mount_from: list[str] | None, jobs: int) -> Result:
    """Push an image into the service's ECR repository through the engine; the digest the registry reports."""
    from vegaops.images.locate import mount_candidates, repo_of
    from vegaops.runbook import engine
    from vegaops.steps.ecr import PushImage, PushParams

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
    return run_result(a, report, data=data, message=message)


def promote_image(a: AppContext, tag: str, from_: str, to: str, as_: str | None, service: str | None) -> Result:
    """Copy ``tag`` by manifest from ``from_`` to ``to`` (environments or repositories): the same digest on both
    sides, a no-op when it is already there."""
    from vegaops.images.locate import locate, registry_key
    from vegaops.runbook import engine
    from vegaops.steps.ecr import PromoteImage, PromoteParams

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
    return run_result(
        a,
        report,
        data={
            "digest": outputs.get("digest"),
            "image": outputs.get("image"),
            "source": f"{source.repository}:{tag}",
            "target": f"{target.repository}:{as_ or tag}",
        },
    )

"""Which image each environment's ECS service is running (from its task definition)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.config import ServiceConfig
    from vegaops.context import AppContext


@dataclass(frozen=True)
class Running:
    env: str
    image: str | None = None
    tag: str | None = None
    digest: str | None = None
    task_definition: str | None = None
    error: str | None = None  # why this environment could not be read

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "image": self.image,
            "tag": self.tag,
            "digest": self.digest,
            "task_definition": self.task_definition,
            "error": self.error,
        }


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``[host[:port]/]repo[:tag][@sha256:..]`` -> (name, tag, digest); a Docker Hub image without a tag
    (``httpd``) pulls ``latest``, so that is its tag."""
    from vegaops.images.reference import parse_image

    ref = parse_image(image)
    return ref.name, ref.effective_tag, ref.digest


def running_image(ctx: AppContext, env: str, svc: ServiceConfig) -> Running:
    """Describe the service, its task definition and the container's image; resolve a tag's digest."""
    from vegaops.aws.errors import error_code
    from vegaops.naming import TAG_KEY

    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    found, _ = ecs.describe_services(cluster, [svc.ecs_service])
    live = [s for s in found.values() if s.get("status") != "INACTIVE"]
    if not live:
        return Running(env, error=f"service {svc.ecs_service} not found in cluster {cluster}")
    td_arn = live[0].get("taskDefinition", "")
    try:  # the revision's tags carry the release tag (vegaops:tag) of an image pinned by digest
        described = ecs.describe_task_definition(td_arn)
    except Exception as exc:  # tags are a bonus (ecs:ListTagsForResource); the image is what matters
        if error_code(exc) is None:
            raise
        described = ecs.describe_task_definition(td_arn, tags=False)
    td = described.raw
    release = described.tags.get(TAG_KEY)
    containers = td.get("containerDefinitions", [])
    from vegaops.images.containers import choose

    picked = choose(td, svc.container, svc.ecr_repo)
    if picked.name is None and svc.container:
        return Running(env, task_definition=td_arn, error=f"task definition has no container {svc.container}")
    chosen = next((c for c in containers if c.get("name") == picked.name), containers[0] if containers else None)
    if chosen is None:
        return Running(env, task_definition=td_arn, error="task definition has no containers")
    image = str(chosen.get("image", ""))
    _, tag, digest = split_image(image)
    tag = tag or release
    if digest is None and tag and svc.ecr_repo and "@" not in image:
        try:
            ref = ctx.aws.ecr.find(svc.ecr_repo, tag)
        except Exception as exc:  # the digest is a bonus; the image is already known
            if error_code(exc) is None and not hasattr(exc, "exit_code"):
                raise
            ref = None
        digest = ref.digest if ref else None
    family_rev = td_arn.rsplit("/", 1)[-1]
    return Running(env, image=image, tag=tag, digest=digest, task_definition=family_rev)

"""Container image references as ECS and Docker read them.

``[registry/]repository[:tag][@digest]`` where the registry is the first path component only when it looks
like a host (has a dot or a port, or is ``localhost``); without one the image comes from Docker Hub, and
one-component Docker Hub names live under ``library/``. No tag and no digest means ``latest``.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCKER_HUB = "docker.io"


@dataclass(frozen=True)
class ImageRef:
    registry: str | None  # as written (None: Docker Hub implied)
    repository: str  # path inside the registry, as written (``nginx``, ``datadog/agent``, ``team/api``)
    tag: str | None  # as written (None when absent)
    digest: str | None  # sha256:...

    @property
    def effective_tag(self) -> str | None:
        """The tag a pull resolves: the written one, else ``latest`` unless pinned by digest."""
        if self.tag:
            return self.tag
        return None if self.digest else "latest"

    @property
    def host(self) -> str:
        return self.registry or DOCKER_HUB

    @property
    def name(self) -> str:
        """Registry and repository without tag or digest, as written."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def is_ecr(self) -> bool:
        """A private ECR registry (``<account>.dkr.ecr.<region>.amazonaws.com[.cn]``)."""
        return bool(self.registry) and ".dkr.ecr." in str(self.registry)

    def in_repository(self, repo: str) -> bool:
        """Whether this image is in the (ECR or any registry's) repository ``repo``."""
        return bool(repo) and self.repository == repo.strip("/")


def _is_host(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def parse_image(image: str) -> ImageRef:
    """Split an image reference; never raises (an odd string gives an odd but total answer)."""
    rest = image.strip()
    digest: str | None = None
    if "@" in rest:
        rest, _, digest = rest.partition("@")
        digest = digest or None
    registry: str | None = None
    first, slash, remainder = rest.partition("/")
    if slash and _is_host(first):
        registry, rest = first, remainder
    tag: str | None = None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        rest, tag = rest[:colon], rest[colon + 1 :] or None
    return ImageRef(registry, rest, tag, digest)


def tag_of(image: str) -> str | None:
    """The tag written in ``image`` (None when there is none; see ``ImageRef.effective_tag`` for pulls)."""
    return parse_image(image).tag


def repository_of(image: str) -> str:
    return parse_image(image).repository

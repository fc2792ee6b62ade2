"""Resolve an image tag to a digest in the service's ECR repository, promoting it from the source repository
when it only exists there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vegaops.aws.errors import error_code
from vegaops.errors import NotFoundError, Refused

MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
]


@dataclass(frozen=True)
class Image:
    repo: str
    tag: str
    digest: str
    uri: str  # registry/repo
    promoted_from: str | None = None

    @property
    def pinned(self) -> str:
        return f"{self.uri}@{self.digest}"


def find_digest(ecr: Any, repo: str, tag: str) -> tuple[str, str] | None:
    """(digest, repository uri) of repo:tag, None when the tag is not there; NotFoundError when the repo is not."""
    try:
        r = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])
    except Exception as exc:
        code = error_code(exc)
        if code == "ImageNotFoundException":
            return None
        if code == "RepositoryNotFoundException":
            raise NotFoundError(f"ECR repository {repo} does not exist",
                                hint="check ecr_repo in vegaops.toml (vegaops env show)") from exc
        raise
    detail = r["imageDetails"][0]
    uri = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]["repositoryUri"]
    return str(detail["imageDigest"]), str(uri)


def promote(ecr: Any, source: str, target: str, tag: str) -> None:
    """Copy source:tag to target:tag by manifest (no rebuild, no layer transfer inside one registry)."""
    got = ecr.batch_get_image(repositoryName=source, imageIds=[{"imageTag": tag}], acceptedMediaTypes=MANIFEST_TYPES)
    if not got.get("images"):
        raise NotFoundError(f"{source}:{tag} disappeared while promoting it")
    image = got["images"][0]
    kwargs: dict[str, Any] = {"repositoryName": target, "imageManifest": image["imageManifest"], "imageTag": tag}
    if image.get("imageManifestMediaType"):
        kwargs["imageManifestMediaType"] = image["imageManifestMediaType"]
    try:
        ecr.put_image(**kwargs)
    except Exception as exc:
        if error_code(exc) in ("ImageTagAlreadyExistsException", "ImageAlreadyExistsException"):
            raise Refused(f"{target}:{tag} already exists with another image and the repository's tags are "
                          "immutable", hint="deploy a new tag") from exc
        raise


def resolve(ecr: Any, repo: str, tag: str, source_prefix: str | None, dry_run: bool = False) -> Image:
    found = find_digest(ecr, repo, tag)
    if found:
        return Image(repo, tag, found[0], found[1])
    searched = [repo]
    if source_prefix:
        source = source_prefix + repo
        searched.append(source)
        in_source = find_digest(ecr, source, tag)
        if in_source:
            if dry_run:
                uri = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]["repositoryUri"]
                return Image(repo, tag, in_source[0], str(uri), promoted_from=source)
            promote(ecr, source, repo, tag)
            digest, uri = find_digest(ecr, repo, tag) or (in_source[0], "")
            return Image(repo, tag, digest, uri, promoted_from=source)
    raise NotFoundError(f"image tag {tag} not found in ECR repositories: {', '.join(searched)}",
                        hint="push it first (vegaops image push) or check the tag")

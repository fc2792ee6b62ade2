"""Amazon ECR, typed. No printing.

The small API other modules use (``deploy`` promotes with it, ``image`` lists and pushes with it)::

    ecr = ctx.aws.ecr
    ref = ecr.resolve("vega-api", "v1.2.3")      # ImageRef (digest, pinned ref) or NotFoundError
    ref = ecr.find("vega-api", "v1.2.3")         # ImageRef | None (tag missing); repo missing raises
    images = ecr.list_images("vega-api")          # list[ImageInfo], newest first, all pages
    manifest = ecr.get_manifest("vega-api", "v1.2.3")   # Manifest (exact bytes, media type, digest)
    digest = ecr.put_image("vega-prod/api", manifest, tag="v1.2.3")
    auth = ecr.auth(registry_override=None)       # RegistryAuth (host, user, Sensitive password)

Digests: real ECR stores ``sha256(manifest bytes)`` as the image digest. moto 5.2.5 computes its own
digest from the layer digests unless ``imageDigest`` is passed (which it then stores unverified).
``put_image`` therefore always passes ``imageDigest``: the digest the source reported for the manifest
(``Manifest.digest``; in real ECR that is ``sha256(manifest bytes)``, which ECR verifies), so a promoted
image has the same digest on both sides in real ECR and in moto -- even for images seeded into moto
without a digest, whose moto-made digest is not the manifest's sha256.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecr.type_defs import ImageDetailTypeDef, ImageIdentifierTypeDef, PutImageRequestTypeDef

from vegaops.aws.errors import error_code
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, Refused
from vegaops.sensitive import Sensitive

DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPTED_MEDIA_TYPES = [DOCKER_MANIFEST_V2, OCI_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX]

# ECR's "tag already points elsewhere in an IMMUTABLE repo" (moto says ImageAlreadyExistsException).
_TAG_CLASH_CODES = {"ImageTagAlreadyExistsException", "ImageAlreadyExistsException"}


def manifest_digest(body: bytes | str) -> str:
    """The content digest of a manifest: ``sha256:`` + hex of its exact bytes."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Repository:
    name: str
    uri: str  # <registry host>/<name>
    registry_id: str
    immutable: bool

    @property
    def registry_host(self) -> str:
        return self.uri.split("/", 1)[0]


@dataclass(frozen=True)
class ImageRef:
    """One tag resolved to its digest."""

    repository: str
    tag: str | None
    digest: str
    registry_host: str

    @property
    def pinned(self) -> str:
        """The image reference pinned by digest: ``<host>/<repo>@sha256:...``."""
        return f"{self.registry_host}/{self.repository}@{self.digest}"

    @property
    def tagged(self) -> str:
        return f"{self.registry_host}/{self.repository}:{self.tag}" if self.tag else self.pinned


@dataclass(frozen=True)
class ScanSummary:
    status: str | None
    findings: dict[str, int] = field(default_factory=dict)  # severity -> count

    @property
    def text(self) -> str:
        if self.findings:
            return ", ".join(f"{sev.lower()} {n}" for sev, n in sorted(self.findings.items()))
        return (self.status or "").lower() or "-"


@dataclass(frozen=True)
class ImageInfo:
    repository: str
    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime | None
    size: int | None
    media_type: str | None
    scan: ScanSummary | None


@dataclass(frozen=True)
class Manifest:
    body: str  # the exact manifest text; its digest depends on every byte
    media_type: str
    digest: str  # the digest the registry reports for it


@dataclass(frozen=True)
class RegistryAuth:
    host: str  # e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com or 127.0.0.1:5000
    username: str
    password: Sensitive
    expires_at: datetime | None = None

    @property
    def url(self) -> str:
        scheme = "http" if _is_loopback(self.host) else "https"
        return f"{scheme}://{self.host}"


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("127.0.0.1", "localhost", "[::1]", "::1")


def _scan(detail: ImageDetailTypeDef) -> ScanSummary | None:
    status = detail.get("imageScanStatus", {}).get("status")
    counts = detail.get("imageScanFindingsSummary", {}).get("findingSeverityCounts") or {}
    if not status and not counts:
        return None
    return ScanSummary(status=status, findings={str(k): int(v) for k, v in counts.items()})


def _info(repo: str, d: ImageDetailTypeDef) -> ImageInfo:
    return ImageInfo(
        repository=repo,
        digest=d.get("imageDigest", ""),
        tags=tuple(d.get("imageTags", ())),
        pushed_at=d.get("imagePushedAt"),
        size=d.get("imageSizeInBytes"),
        media_type=d.get("imageManifestMediaType"),
        scan=_scan(d),
    )


def repo_missing(repo: str) -> NotFoundError:
    return NotFoundError(
        f"ECR repository {repo!r} does not exist",
        hint="check ecr_repo in vegaops.toml, the region and the account (--env/--profile)",
    )


def tag_missing(repo: str, tag: str) -> NotFoundError:
    return NotFoundError(
        f"tag {tag!r} not found in ECR repository {repo!r}",
        hint=f"list the tags with: {prog()} image list (or push it first); repository {repo} exists",
    )


class Ecr:
    """Thin wrapper over an ECR client.

    ``registry_override`` (the env's ``ecr_registry``) is the host pushes and logins go to (``auth()``);
    image references keep the repository URI ECR reports, which is what task definitions pull.
    """

    def __init__(self, client: ECRClient, registry_override: str | None = None) -> None:
        self.client = client
        self.registry_override = registry_override

    # -- repositories ---------------------------------------------------------------------------
    def repository(self, name: str) -> Repository:
        try:
            response = self.client.describe_repositories(repositoryNames=[name])
        except Exception as exc:
            if error_code(exc) == "RepositoryNotFoundException":
                raise repo_missing(name) from exc
            raise
        r = response["repositories"][0]
        return Repository(
            name=name,
            uri=r.get("repositoryUri", ""),
            registry_id=r.get("registryId", ""),
            immutable=r.get("imageTagMutability") == "IMMUTABLE",
        )

    def _host(self, name: str) -> str:
        return self.repository(name).registry_host

    # -- tags and digests -----------------------------------------------------------------------
    def find(self, repo: str, tag: str) -> ImageRef | None:
        """The digest ``tag`` points to, None when the tag is absent; a missing repo raises NotFoundError."""
        try:
            response = self.client.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])
        except Exception as exc:
            code = error_code(exc)
            if code == "RepositoryNotFoundException":
                raise repo_missing(repo) from exc
            if code == "ImageNotFoundException":
                return None
            raise
        details = response.get("imageDetails", [])
        if not details:
            return None
        return ImageRef(
            repository=repo, tag=tag, digest=details[0].get("imageDigest", ""), registry_host=self._host(repo)
        )

    def resolve(self, repo: str, tag: str) -> ImageRef:
        """Like ``find`` but a missing tag is a NotFoundError (exit 3) too, worded differently."""
        ref = self.find(repo, tag)
        if ref is None:
            raise tag_missing(repo, tag)
        return ref

    def list_images(self, repo: str) -> list[ImageInfo]:
        """Every image of ``repo`` (all pages), newest push first.

        botocore's paginator, 1000 per page (real ECR's most); moto ignores ``maxResults``/``nextToken`` and
        answers everything in one page without a token, which ends the pages too.
        """
        images: list[ImageInfo] = []
        pages = self.client.get_paginator("describe_images").paginate(
            repositoryName=repo, PaginationConfig={"PageSize": 1000}
        )
        try:
            for page in pages:
                images.extend(_info(repo, d) for d in page.get("imageDetails", []))
        except Exception as exc:
            if error_code(exc) == "RepositoryNotFoundException":
                raise repo_missing(repo) from exc
            raise
        images.sort(key=lambda i: (i.pushed_at is not None, i.pushed_at or datetime.min), reverse=True)
        return images

    # -- manifests ------------------------------------------------------------------------------
    def get_manifest(self, repo: str, tag: str | None = None, digest: str | None = None) -> Manifest:
        """The manifest of ``tag`` or ``digest`` (exact text), accepting Docker v2 and OCI types."""
        if (tag is None) == (digest is None):
            raise ValueError("pass exactly one of tag or digest")
        image_id: ImageIdentifierTypeDef = {"imageTag": tag} if tag is not None else {"imageDigest": digest or ""}
        try:
            response = self.client.batch_get_image(
                repositoryName=repo, imageIds=[image_id], acceptedMediaTypes=ACCEPTED_MEDIA_TYPES
            )
        except Exception as exc:
            if error_code(exc) == "RepositoryNotFoundException":
                raise repo_missing(repo) from exc
            raise
        images = response.get("images", [])
        if not images:
            failures = response.get("failures", [])
            reason = failures[0].get("failureReason", "") if failures else ""
            what = f"tag {tag!r}" if tag is not None else f"digest {digest}"
            raise NotFoundError(
                f"{what} not found in ECR repository {repo!r}" + (f" ({reason})" if reason else ""),
                hint=f"list the tags with: {prog()} image list",
            )
        image = images[0]
        body = image.get("imageManifest", "")
        media_type = image.get("imageManifestMediaType") or _media_type_of(body)
        return Manifest(body=body, media_type=media_type, digest=image.get("imageId", {}).get("imageDigest", ""))

    def put_image(self, repo: str, manifest: Manifest, tag: str | None) -> str:
        """Store ``manifest`` in ``repo`` under ``tag``; returns the digest.

        Same digest on both sides: the exact manifest text is sent with ``imageDigest`` =
        ``manifest.digest`` (see the module docstring for moto); build a fresh Manifest with
        ``digest=manifest_digest(body)``. An IMMUTABLE tag that points elsewhere -> Refused (exit 8);
        referenced layers missing in ``repo`` (real ECR across accounts) -> NotFoundError.
        """
        digest = manifest.digest or manifest_digest(manifest.body)
        request: PutImageRequestTypeDef = {
            "repositoryName": repo,
            "imageManifest": manifest.body,
            "imageManifestMediaType": manifest.media_type,
            "imageDigest": digest,
        }
        if tag:
            request["imageTag"] = tag
        try:
            response = self.client.put_image(**request)
        except Exception as exc:
            code = error_code(exc)
            if code == "RepositoryNotFoundException":
                raise repo_missing(repo) from exc
            if code in _TAG_CLASH_CODES:
                current = self.find(repo, tag) if tag else None
                if current is not None and current.digest == digest:
                    return digest  # already there: nothing to do
                raise tag_clash(repo, tag or "", digest, current.digest if current else None) from exc
            if code == "LayersNotFoundException":
                raise NotFoundError(
                    f"the layers of {digest} are not in ECR repository {repo!r}",
                    hint=f"promote within one registry, or push the image with: {prog()} image push",
                ) from exc
            raise
        return response["image"].get("imageId", {}).get("imageDigest", digest)

    # -- auth -----------------------------------------------------------------------------------
    def auth(self, registry_override: str | None = None) -> RegistryAuth:
        """Registry credentials from ``get_authorization_token``.

        The host comes from the token's ``proxyEndpoint`` unless overridden (the env's
        ``ecr_registry`` setting, e.g. the sandbox's loopback registry).
        """
        response = self.client.get_authorization_token()
        data = response["authorizationData"][0]
        user, _, password = base64.b64decode(data.get("authorizationToken", "")).decode("utf-8").partition(":")
        host = registry_override or self.registry_override
        if not host:
            host = str(data.get("proxyEndpoint", "")).removeprefix("https://").removeprefix("http://").rstrip("/")
        return RegistryAuth(host=host, username=user, password=Sensitive(password), expires_at=data.get("expiresAt"))


def tag_clash(repo: str, tag: str, digest: str, current: str | None) -> Refused:
    where = f" (it points to {current})" if current else ""
    return Refused(
        f"tag {tag!r} already exists in IMMUTABLE ECR repository {repo!r}{where}; refusing to move it to {digest}",
        hint="push or promote under a new tag (--as NEW_TAG), or make the repository MUTABLE",
    )


def _media_type_of(body: str) -> str:
    import json

    try:
        value = json.loads(body).get("mediaType")
    except ValueError:
        value = None
    return str(value) if value else DOCKER_MANIFEST_V2

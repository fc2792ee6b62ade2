"""What a task does when it starts: decided by its image (a property of the digest), its secrets and faults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vegaops.sandbox.state import ACCOUNT_ID

GOOD = "good"
# Behaviours: good, crash (exit 1), oom (exit 137), unhealthy (fails the ELB health check),
# pull (CannotPullContainerError), secrets (ResourceInitializationError).
BEHAVIOURS = ("good", "crash", "oom", "unhealthy", "pull", "secrets")

_ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/(.+)$")


@dataclass(frozen=True)
class Outcome:
    behaviour: str
    detail: str = ""  # the image that cannot be pulled / the secret that is missing


def split_image(image: str) -> tuple[str | None, str, str | None, str | None]:
    """(region or None when not ECR, repository, tag, digest) of an image reference."""
    match = _ECR_HOST.match(image)
    region = match.group(2) if match else None
    rest = match.group(3) if match else image
    digest = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
    tag = None
    name, sep, maybe_tag = rest.rpartition(":")
    if sep and "/" not in maybe_tag:
        rest, tag = name, maybe_tag
    return region, rest, tag, digest


def ecr_digest(image: str, region: str) -> tuple[bool, str | None]:
    """(is an ECR image, digest when it exists in moto's ECR)."""
    from moto.ecr.models import ecr_backends

    img_region, repo, tag, digest = split_image(image)
    if img_region is None:
        return False, None
    backend = ecr_backends[ACCOUNT_ID][img_region or region]
    repository = backend.repositories.get(repo)
    if repository is None:
        return True, None
    for img in repository.images:
        if digest is not None and img.image_digest == digest:
            return True, digest
        if digest is None and (tag or "latest") in (img.image_tags or []):
            return True, str(img.image_digest)
    return True, None


def _secret_exists(ref: str, region: str) -> bool:
    if ref.startswith("arn:aws:ssm:") or ref.startswith("/") or ":parameter/" in ref:
        from moto.ssm.models import ssm_backends

        name = ref.split(":parameter", 1)[1] if ":parameter" in ref else ref
        try:
            return ssm_backends[ACCOUNT_ID][region].get_parameter(name) is not None
        except Exception:
            return False
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id = ref
    if ref.startswith("arn:aws:secretsmanager:") and ref.count(":") > 6:
        secret_id = ":".join(ref.split(":")[:7])  # drop :json-key:version-stage:version-id
    try:
        secretsmanager_backends[ACCOUNT_ID][region].describe_secret(secret_id)
    except Exception:
        return False
    return True


def outcome_for(
    container_defs: list[dict[str, Any]], region: str, behaviours: dict[str, str], fault: str | None
) -> Outcome:
    """How a task of these containers will behave: faults first, then pull, secrets, image behaviour."""
    if fault:
        image = str(container_defs[0].get("image", "")) if container_defs else ""
        if fault == "secrets":
            secrets = [s for c in container_defs for s in c.get("secrets") or []]
            return Outcome("secrets", str(secrets[0]["valueFrom"]) if secrets else "arn:aws:secretsmanager:missing")
        return Outcome(fault, image)
    worst = GOOD
    for container in container_defs:
        image = str(container.get("image", ""))
        is_ecr, digest = ecr_digest(image, region)
        if is_ecr and digest is None:
            return Outcome("pull", image)
        for secret in container.get("secrets") or []:
            if not _secret_exists(str(secret.get("valueFrom", "")), region):
                return Outcome("secrets", str(secret.get("valueFrom")))
        if digest is not None and container.get("essential", True):
            behaviour = behaviours.get(digest, GOOD)
            if behaviour != GOOD and worst == GOOD:
                worst = behaviour
    return Outcome(worst)

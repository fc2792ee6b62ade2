"""Clone the live task definition with only the chosen container's image changed."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from vegaops.errors import UsageError


@dataclass(frozen=True)
class ImageChange:
    container: str
    old: str
    new: str


def digest_of(image: str) -> str | None:
    return image.split("@", 1)[1] if "@" in image else None


def choose_container(td: dict[str, Any], wanted: str | None, service: str) -> str:
    names: list[str] = [str(c["name"]) for c in td.get("containerDefinitions", [])]
    if wanted:
        if wanted not in names:
            raise UsageError(f"service {service}: task definition has no container {wanted!r} "
                             f"(it has: {', '.join(names)})", hint="set container in vegaops.toml or pass --container")
        return wanted
    if len(names) == 1:
        return names[0]
    essential = [str(c["name"]) for c in td["containerDefinitions"] if c.get("essential", True)]
    if len(essential) == 1:
        return essential[0]
    raise UsageError(f"service {service}: task definition has several containers ({', '.join(names)})",
                     hint="set container in [service.NAME] of vegaops.toml, or pass --container")


def with_image(td: dict[str, Any], container: str, image: str) -> tuple[dict[str, Any], ImageChange | None]:
    """A copy of ``td`` whose ``container`` runs ``image``; None when it already does."""
    clone = copy.deepcopy(td)
    for c in clone["containerDefinitions"]:
        if c["name"] == container:
            old = str(c.get("image", ""))
            if old == image:
                return clone, None
            c["image"] = image
            return clone, ImageChange(container, old, image)
    raise UsageError(f"no container {container} in {td.get('family')}")


def diff_lines(change: ImageChange, old_arn: str, new_name: str) -> list[str]:
    return [f"--- {old_arn.rsplit('/', 1)[-1]}", f"+++ {new_name}",
            f"  containerDefinitions[{change.container}].image:", f"-   {change.old}", f"+   {change.new}"]

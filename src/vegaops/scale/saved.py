"""The counts and autoscaling bounds a service had before ``vegaops scale --all 0``, kept in AWS.

One SSM String parameter per service, ``/vegaops/scale/<env>/<service>`` (beside the deploy locks,
``/vegaops/locks/<env>/...``), holding JSON: ``{"desired": 2, "autoscaling": {"min": 1, "max": 4, "suspended":
false} | null, "saved_at": ..., "by": ...}``. A teammate or CI restores from it; the restore deletes it. A second
``--all 0`` never overwrites what the first one saved (the counts of 0 are not worth remembering).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext


def parameter_name(ctx: AppContext, service: str) -> str:
    env = ctx.settings.env or "default"
    return f"/vegaops/scale/{env}/{service}"


@dataclass(frozen=True)
class Saved:
    service: str
    desired: int
    autoscaling: dict[str, Any] | None  # {"min", "max", "suspended"} or None: no scalable target
    saved_at: str = ""
    by: str = ""

    def text(self) -> str:
        bounds = self.autoscaling
        auto = f", autoscaling {bounds['min']}-{bounds['max']}" if bounds else ""
        if bounds and bounds.get("suspended"):
            auto += " (suspended)"
        return f"desired {self.desired}{auto}"

    def to_json(self) -> str:
        return json.dumps(
            {"desired": self.desired, "autoscaling": self.autoscaling, "saved_at": self.saved_at, "by": self.by},
            sort_keys=True,
        )


def read(ctx: AppContext, service: str) -> Saved | None:
    from vegaops.errors import ConfigError

    param = ctx.aws.ssm.get(parameter_name(ctx, service))
    if param is None or param.value is None:
        return None
    try:
        doc = json.loads(param.value)
        return Saved(
            service,
            int(doc["desired"]),
            dict(doc["autoscaling"]) if doc.get("autoscaling") else None,
            str(doc.get("saved_at", "")),
            str(doc.get("by", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"SSM parameter {param.name}: not a saved scale state ({exc})",
            hint=f"inspect it with aws ssm get-parameter --name {param.name}; delete it to start afresh",
        ) from None


def write(ctx: AppContext, saved: Saved) -> None:
    ctx.aws.ssm_client.put_parameter(
        Name=parameter_name(ctx, saved.service),
        Value=saved.to_json(),
        Type="String",
        Overwrite=True,
        Description="vegaops scale --all 0: what to restore (vegaops scale --all --restore)",
    )


def forget(ctx: AppContext, service: str) -> None:
    ctx.aws.ssm.delete([parameter_name(ctx, service)])

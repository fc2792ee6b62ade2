"""The Fargate arithmetic, pure: AWS's published formula over a 730-hour month.

    monthly = tasks x 730 h x (vCPU x price per vCPU-hour + GB x price per GB-hour)
              + tasks x 730 h x max(0, ephemeral GB - 20) x price per GB-hour of storage

vCPU and memory come from the task definition's task-level ``cpu`` (units: 1024 = 1 vCPU) and ``memory`` (MiB:
1024 = 1 GB), the prices from the architecture (``runtimePlatform.cpuArchitecture``: X86_64 or ARM64) and the
capacity provider (FARGATE or FARGATE_SPOT). Which share of the tasks runs on Spot follows ECS's capacity
provider strategy: ``base`` tasks on the provider that has one, the rest split by ``weight``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vegaops.cost.pricebook import Price

HOURS_PER_MONTH = 730.0
INCLUDED_EPHEMERAL_GB = 20


@dataclass(frozen=True)
class TaskSize:
    vcpu: float
    memory_gb: float
    arch: str  # "x86" | "arm"
    ephemeral_gb: int = INCLUDED_EPHEMERAL_GB
    os_family: str = "LINUX"


def task_size(td: dict[str, Any]) -> TaskSize:
    """The billed size of a task definition (task-level cpu/memory; the containers' sum when those are unset)."""
    containers = td.get("containerDefinitions") or []
    cpu_units = float(td.get("cpu") or sum(float(c.get("cpu") or 0) for c in containers))
    memory_mib = float(
        td.get("memory") or sum(float(c.get("memory") or c.get("memoryReservation") or 0) for c in containers)
    )
    platform = td.get("runtimePlatform") or {}
    arch = "arm" if str(platform.get("cpuArchitecture", "")).upper() == "ARM64" else "x86"
    ephemeral = int((td.get("ephemeralStorage") or {}).get("sizeInGiB") or INCLUDED_EPHEMERAL_GB)
    family = str(platform.get("operatingSystemFamily") or "LINUX")
    return TaskSize(cpu_units / 1024, memory_mib / 1024, arch, ephemeral, family)


def split_tasks(tasks: int, strategy: Sequence[dict[str, Any]]) -> dict[str, float]:
    """``{provider: tasks}`` for ``tasks`` placed by a capacity provider strategy (expected counts, not rounded).

    ECS places ``base`` tasks on the provider that sets one first, then the rest in proportion to the weights."""
    if not strategy:
        return {"FARGATE": float(tasks)} if tasks else {}
    out: dict[str, float] = {}
    left = float(tasks)
    for item in strategy:
        base = min(float(item.get("base") or 0), left)
        if base:
            name = str(item.get("capacityProvider"))
            out[name] = out.get(name, 0.0) + base
            left -= base
    total_weight = sum(float(i.get("weight") or 0) for i in strategy)
    if left > 0:
        if total_weight <= 0:  # weights all zero: only the base provider runs tasks
            name = str(next((i for i in strategy if i.get("base")), strategy[0]).get("capacityProvider"))
            out[name] = out.get(name, 0.0) + left
        else:
            for item in strategy:
                weight = float(item.get("weight") or 0)
                if weight:
                    name = str(item.get("capacityProvider"))
                    out[name] = out.get(name, 0.0) + left * weight / total_weight
    return out


@dataclass
class Line:
    """One priced quantity: ``quantity`` units at ``unit_usd`` each (None: the price is unknown)."""

    what: str
    quantity: float
    unit: str
    unit_usd: float | None
    source: str | None = None
    estimated: bool = False

    @property
    def monthly(self) -> float | None:
        return None if self.unit_usd is None else self.quantity * self.unit_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "quantity": round(self.quantity, 4),
            "unit": self.unit,
            "unit_usd": self.unit_usd,
            "monthly_usd": None if self.monthly is None else round(self.monthly, 2),
            "price_source": self.source,
            "estimated": self.estimated,
        }


@dataclass
class FargateCost:
    lines: list[Line] = field(default_factory=list)
    spot_tasks: float = 0.0
    on_demand_tasks: float = 0.0

    @property
    def monthly(self) -> float | None:
        values = [line.monthly for line in self.lines]
        if any(v is None for v in values):
            return None
        return sum(v for v in values if v is not None)

    @property
    def known(self) -> float:
        return sum(line.monthly or 0.0 for line in self.lines)


PriceOf = Callable[[str], Price | None]


def fargate_monthly(
    size: TaskSize, tasks: int, strategy: Sequence[dict[str, Any]], price: PriceOf, hours: float = HOURS_PER_MONTH
) -> FargateCost:
    """The monthly Fargate cost of ``tasks`` tasks of ``size`` placed by ``strategy`` (see the module docstring)."""
    cost = FargateCost()
    split = split_tasks(tasks, strategy)
    for provider, count in sorted(split.items()):
        if count <= 0:
            continue
        spot = provider == "FARGATE_SPOT"
        if spot:
            cost.spot_tasks += count
        else:
            cost.on_demand_tasks += count
        kind = ".spot" if spot else ""
        label = f"{'Spot ' if spot else ''}{size.arch.replace('x86', 'x86_64').replace('arm', 'ARM64')}"
        for dim, amount, unit in (("vcpu", size.vcpu, "vCPU-hours"), ("gb", size.memory_gb, "GB-hours")):
            p = price(f"fargate{kind}.{dim}.{size.arch}")
            cost.lines.append(
                Line(
                    f"{label} {'vCPU' if dim == 'vcpu' else 'memory'} ({count:g} x {amount:g} x {hours:g} h)",
                    count * amount * hours,
                    unit,
                    p.usd if p else None,
                    p.source if p else None,
                    p.estimated if p else False,
                )
            )
    extra = max(0, size.ephemeral_gb - INCLUDED_EPHEMERAL_GB)
    if extra and tasks:
        p = price("fargate.ephemeral.gb")
        cost.lines.append(
            Line(
                f"ephemeral storage above {INCLUDED_EPHEMERAL_GB} GB ({tasks} x {extra} GB x {hours:g} h)",
                tasks * extra * hours,
                "GB-hours",
                p.usd if p else None,
                p.source if p else None,
            )
        )
    return cost

"""``vegaops cost``: the monthly estimate of what the environment runs now, the actual month to date, and hints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from vegaops.cost.fargate import HOURS_PER_MONTH, FargateCost, Line, fargate_monthly, task_size
from vegaops.cost.pricebook import LIVE, SHIPPED, Filters, Price, PriceBook

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.cost.estate import Extra, ServiceRun
    from vegaops.output.result import Result

NIGHT_OFF_SHARE = 0.5  # 12 hours a night stopped
_SPOT_ALL = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]


def price_book(ctx: AppContext) -> PriceBook:
    """The region's prices: the Price List (an enrichment; cached in the state folder), else the shipped table."""
    from vegaops.paths import state_dir

    region = ctx.clients.resolved_region() or ctx.settings.region or "us-east-1"

    def fetch(service_code: str, filters: Filters) -> Iterable[str] | None:
        def read() -> list[str]:
            paginator = ctx.aws.pricing.get_paginator("get_products")
            pages = paginator.paginate(ServiceCode=service_code, Filters=filters, FormatVersion="aws_v1")
            return [doc for page in pages for doc in page.get("PriceList", [])]

        return ctx.enrichment.call(
            "pricing:GetProducts",
            read,
            None,
            f"live prices (the shipped table of {PriceBook(region).table_date} is used)",
        )

    from vegaops.aws.clients import endpoint_override_active

    if endpoint_override_active("pricing", ctx.settings.get("endpoint_url")):
        # an emulator (the sandbox, moto, LocalStack) has no Price List: said once, not asked (botocore would retry)
        ctx.output.warn(
            f"prices: the endpoint is not AWS, so the Price List is not read; the shipped table of "
            f"{PriceBook(region).table_date} is used"
        )
        return PriceBook(region)
    return PriceBook(region, fetch=fetch, cache=state_dir() / "price-cache.json", now=ctx.clock.now)


def _line(book: PriceBook, what: str, key: str | None, quantity: float | None, unit: str) -> Line:
    price: Price | None = book.get(key) if key else None
    return Line(what, quantity or 0.0, unit, price.usd if price else None, price.source if price else None)


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def _fargate(run: ServiceRun, book: PriceBook, arch: str | None = None, strategy: Any = None) -> FargateCost | None:
    size = task_size(run.td)
    if arch is not None:
        from dataclasses import replace

        size = replace(size, arch=arch)
    if run.launch_type == "EC2" or size.os_family.upper().startswith("WINDOWS"):
        return None
    return fargate_monthly(size, run.desired, run.strategy if strategy is None else strategy, book.get)


def cost(ctx: AppContext, names: list[str]) -> Result:
    from vegaops.cost import estate
    from vegaops.output.result import Fields, Lines, Result, Table, View

    runs = estate.services(ctx, names)
    book = price_book(ctx)
    rows: list[dict[str, Any]] = []
    table: list[list[Any]] = []
    hints: list[dict[str, Any]] = []
    unknown: list[str] = []
    fargate_total = 0.0
    env_name = str(ctx.settings.env or "")
    for run in runs:
        size = task_size(run.td)
        fc = _fargate(run, book)
        if fc is None:
            why = (
                "EC2 launch type: the instances are billed, not the tasks"
                if run.launch_type == "EC2"
                else (f"{size.os_family} tasks are not priced by vegaops")
            )
            unknown.append(f"{run.name}: {why}")
            monthly: float | None = None
            lines: list[Line] = []
            spot = on_demand = 0.0
        else:
            monthly, lines, spot, on_demand = fc.monthly, fc.lines, fc.spot_tasks, fc.on_demand_tasks
            if monthly is None:
                unknown.append(f"{run.name}: a Fargate price for {ctx.clients.resolved_region()} is not known")
            fargate_total += fc.known
            hints += _service_hints(run, fc, book, env_name)
        share = spot / (spot + on_demand) if spot + on_demand else 0.0
        rows.append(
            {
                "service": run.name,
                "task_definition": run.task_definition,
                "desired_tasks": run.desired,
                "running_tasks": run.running,
                "vcpu": size.vcpu,
                "memory_gb": size.memory_gb,
                "architecture": "ARM64" if size.arch == "arm" else "X86_64",
                "ephemeral_gb": size.ephemeral_gb,
                "spot_share": round(share, 4),
                "capacity_provider_strategy": run.strategy or None,
                "launch_type": run.launch_type,
                "lines": [line.to_dict() for line in lines],
                "monthly_usd": None if monthly is None else round(monthly, 2),
            }
        )
        table.append(
            [
                run.name,
                run.desired,
                f"{size.vcpu:g} vCPU / {size.memory_gb:g} GB",
                "ARM64" if size.arch == "arm" else "x86_64",
                f"{share:.0%}",
                _money(monthly),
            ]
        )
    extras = estate.extras(ctx, runs)
    env_rows: list[dict[str, Any]] = []
    env_total = 0.0
    env_table: list[list[Any]] = []
    for extra in extras:
        line = _line(book, extra.detail, extra.key, extra.quantity, extra.unit)
        monthly_extra = None if extra.quantity is None else line.monthly
        if extra.why_not:
            shown = extra.why_not
        elif monthly_extra is None:
            shown = f"unknown (no {extra.key} price for {book.region})"
            unknown.append(f"{extra.item} {extra.detail}: no price for {extra.key} in {book.region}")
        else:
            shown = _money(monthly_extra)
            env_total += monthly_extra
        env_rows.append(
            {
                "item": extra.item,
                "detail": extra.detail,
                "quantity": extra.quantity,
                "unit": extra.unit,
                "unit_usd": line.unit_usd,
                "price_source": line.source,
                "monthly_usd": None if monthly_extra is None else round(monthly_extra, 2),
                "not_read": extra.why_not,
            }
        )
        env_table.append([extra.item, extra.detail, shown])
    hints += _nat_hints(extras, book)
    actual = estate.month_to_date(ctx)
    total = fargate_total + env_total
    prices = {
        "sources": sorted(book.used),
        "table_date": book.table_date if SHIPPED in book.used else None,
        "region": book.region,
        "table_covers_region": book.table_has_region,
        "spot_estimated": any(line.get("estimated") for r in rows for line in r["lines"]),
    }
    data = {
        "env": ctx.settings.env,
        "region": book.region,
        "currency": "USD",
        "hours_per_month": HOURS_PER_MONTH,
        "services": rows,
        "fargate_monthly_usd": round(fargate_total, 2),
        "environment": env_rows,
        "environment_monthly_usd": round(env_total, 2),
        "total_monthly_usd": round(total, 2),
        "unknown": unknown,
        "prices": prices,
        "actual_month_to_date": actual,
        "hints": hints,
        "skipped": ctx.enrichment.as_json(),
    }
    views: list[View] = [Table(["service", "tasks", "size", "arch", "spot", "per month"], table, title="Fargate")]
    if env_table:
        views.append(Table(["item", "detail", "per month"], env_table, title="Environment"))
    summary: list[tuple[str, Any]] = [
        ("estimate", f"{_money(total)} a month" + (" (some items unknown, not counted)" if unknown else "")),
        ("prices", _price_words(book, prices)),
    ]
    if actual is not None:
        ecs_actual = actual["by_service"].get("Amazon Elastic Container Service")
        summary.append(
            (
                "actual",
                f"{_money(actual['total_usd'])} month to date ({actual['from']} to {actual['to']}, whole account)"
                + (f"; ECS {_money(ecs_actual)}" if ecs_actual is not None else ""),
            )
        )
    views.append(Fields(summary, title="Total"))
    if unknown:
        views.append(Lines([f"not priced: {u}" for u in unknown]))
    if hints:
        views.append(Lines([f"hint: {h['hint']} (saves ~{_money(h['saving_monthly_usd'])}/month)" for h in hints]))
    return Result(
        command=ctx.command,
        status="ok",
        data=data,
        views=views,
        message=f"{_money(total)} a month estimated for {len(runs)} service(s)"
        + (f" and {len(extras)} shared item(s)" if extras else ""),
    )


def _price_words(book: PriceBook, prices: dict[str, Any]) -> str:
    parts = []
    if LIVE in book.used:
        parts.append("AWS Price List API")
    if SHIPPED in book.used:
        parts.append(f"the shipped price table of {book.table_date}")
    if not parts:
        parts.append("none found" + ("" if book.table_has_region else f" (the table has no {book.region})"))
    text = ", ".join(parts) + f" ({book.region}, {HOURS_PER_MONTH:g} h a month)"
    if prices["spot_estimated"]:
        text += "; Spot estimated at 70% off on-demand"
    return text


def _saving(now: FargateCost, then: FargateCost | None) -> float | None:
    if then is None or now.monthly is None or then.monthly is None:
        return None
    return now.monthly - then.monthly


def _service_hints(run: ServiceRun, fc: FargateCost, book: PriceBook, env_name: str) -> list[dict[str, Any]]:
    hints: list[dict[str, Any]] = []
    size = task_size(run.td)
    if size.arch == "x86" and run.desired:
        saving = _saving(fc, _fargate(run, book, arch="arm"))
        if saving and saving > 0.005:
            hints.append(
                {
                    "service": run.name,
                    "kind": "arm64",
                    "hint": f"{run.name}: run on ARM64 (runtimePlatform.cpuArchitecture, a multi-arch image)",
                    "saving_monthly_usd": round(saving, 2),
                }
            )
    if not run.behind_lb and fc.on_demand_tasks > 0:
        saving = _saving(fc, _fargate(run, book, strategy=_SPOT_ALL))
        if saving and saving > 0.005:
            hints.append(
                {
                    "service": run.name,
                    "kind": "spot",
                    "hint": f"{run.name}: no load balancer (a worker?): Fargate Spot if it tolerates interruptions",
                    "saving_monthly_usd": round(saving, 2),
                }
            )
    if "prod" not in env_name.lower() and fc.monthly:
        hints.append(
            {
                "service": run.name,
                "kind": "night",
                "hint": f"{run.name}: scale to zero at night (12 h a day: vegaops scale --all 0, then --restore)",
                "saving_monthly_usd": round(fc.monthly * NIGHT_OFF_SHARE, 2),
            }
        )
    return hints


def _nat_hints(extras: list[Extra], book: PriceBook) -> list[dict[str, Any]]:
    nats = [e for e in extras if e.key == "nat.hour"]
    price = book.get("nat.hour") if nats else None
    if price is None:
        return []
    hints = [
        {
            "service": None,
            "kind": "idle-nat",
            "hint": f"NAT gateway {e.detail.split(' ')[0]} sent nothing in 7 days: delete it (or use VPC endpoints)",
            "saving_monthly_usd": round(price.usd * HOURS_PER_MONTH, 2),
        }
        for e in nats
        if e.idle
    ]
    if len(nats) > 1:
        return [
            *hints,
            {
                "service": None,
                "kind": "nat",
                "hint": f"{len(nats)} NAT gateways: one shared NAT gateway (less availability-zone redundancy)",
                "saving_monthly_usd": round((len(nats) - 1) * price.usd * HOURS_PER_MONTH, 2),
            },
        ]
    return hints

"""The Fargate arithmetic against AWS's published formula, with numbers computed by hand (not by the code under test).

    monthly = tasks x 730 h x (vCPU x $/vCPU-hour + GB x $/GB-hour) + tasks x 730 h x (ephemeral GB - 20) x $/GB-hour

Prices are the shipped table's (https://aws.amazon.com/fargate/pricing/): us-east-1 Linux/x86 $0.04048 per vCPU-hour
and $0.004445 per GB-hour, Linux/ARM $0.03238 and $0.00356, ephemeral storage $0.000111 per GB-hour.
"""

from __future__ import annotations

import json

import pytest

from vegaops.cost.fargate import fargate_monthly, split_tasks, task_size
from vegaops.cost.pricebook import SHIPPED, PriceBook, classify_fargate, parse_products, usage_type


def _td(cpu: str, memory: str, arch: str | None = None, ephemeral: int | None = None) -> dict[str, object]:
    td: dict[str, object] = {"cpu": cpu, "memory": memory, "containerDefinitions": [{"name": "app"}]}
    if arch:
        td["runtimePlatform"] = {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}
    if ephemeral:
        td["ephemeralStorage"] = {"sizeInGiB": ephemeral}
    return td


US = PriceBook("us-east-1")


def test_seed_002_two_arm64_proxy_tasks_of_a_quarter_vcpu_and_half_a_gb() -> None:
    # 2 x 0.25 vCPU x 730 h = 365 vCPU-hours x 0.03238 = 11.8187
    # 2 x 0.5 GB x 730 h = 730 GB-hours x 0.00356 = 2.5988          -> 14.4175 a month
    cost = fargate_monthly(task_size(_td("256", "512", "ARM64")), 2, [], US.get)
    assert [round(line.quantity, 6) for line in cost.lines] == [365.0, 730.0]
    assert cost.monthly == pytest.approx(14.4175, abs=1e-9)


def test_the_same_tasks_on_x86_cost_about_20_percent_more() -> None:
    # 365 x 0.04048 = 14.7752; 730 x 0.004445 = 3.24485 -> 18.02005
    cost = fargate_monthly(task_size(_td("256", "512", "X86_64")), 2, [], US.get)
    assert cost.monthly == pytest.approx(18.02005, abs=1e-9)
    assert pytest.approx(0.1999, abs=1e-3) == 1 - 14.4175 / 18.02005


def test_one_vcpu_two_gb_x86_without_a_runtime_platform() -> None:
    # 730 x 0.04048 = 29.5504; 1460 x 0.004445 = 6.4897 -> 36.0401
    cost = fargate_monthly(task_size(_td("1024", "2048")), 1, [], US.get)
    assert cost.monthly == pytest.approx(36.0401, abs=1e-9)


def test_ephemeral_storage_above_20_gb_is_billed() -> None:
    # 2 tasks 0.5 vCPU / 1 GB x86, 50 GB: 730 x 0.04048 = 29.5504; 1460 x 0.004445 = 6.4897;
    # (50 - 20) x 2 x 730 = 43800 GB-hours x 0.000111 = 4.8618 -> 40.9019
    cost = fargate_monthly(task_size(_td("512", "1024", ephemeral=50)), 2, [], US.get)
    assert cost.lines[-1].quantity == 43800
    assert cost.monthly == pytest.approx(40.9019, abs=1e-9)


def test_eu_central_1_sandbox_service() -> None:
    # eu-central-1 x86: 365 x 0.04656 = 16.9944; 730 x 0.00511 = 3.7303 -> 20.7247
    cost = fargate_monthly(task_size(_td("256", "512")), 2, [], PriceBook("eu-central-1").get)
    assert cost.monthly == pytest.approx(20.7247, abs=1e-9)


def test_capacity_provider_strategy_base_first_then_weights() -> None:
    strategy = [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    # 4 tasks: 1 on the base, the other 3 split 1:3 -> FARGATE 1 + 0.75, SPOT 2.25
    assert split_tasks(4, strategy) == {"FARGATE": 1.75, "FARGATE_SPOT": 2.25}
    # fewer tasks than the base: all on the base provider
    assert split_tasks(1, strategy) == {"FARGATE": 1.0}
    assert split_tasks(3, []) == {"FARGATE": 3.0}


def test_spot_share_priced_at_the_spot_rate() -> None:
    # 4 x86 tasks of 1 vCPU / 2 GB, all on FARGATE_SPOT; the table estimates Spot at 30% of on-demand:
    # vCPU 4 x 730 = 2920 h x (0.04048 x 0.3 = 0.012144) = 35.46048; GB 5840 h x (0.004445 x 0.3 = 0.0013335)
    # = 7.78764 -> 43.24812
    strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    cost = fargate_monthly(task_size(_td("1024", "2048")), 4, strategy, US.get)
    assert cost.spot_tasks == 4 and cost.on_demand_tasks == 0
    assert all(line.estimated for line in cost.lines)
    assert cost.monthly == pytest.approx(43.24812, abs=1e-9)


def test_a_region_missing_from_the_table_is_unknown_never_guessed() -> None:
    cost = fargate_monthly(task_size(_td("256", "512")), 2, [], PriceBook("ap-southeast-7").get)
    assert cost.monthly is None


def test_price_list_documents_are_classified_by_usage_type() -> None:
    def doc(usagetype: str, usd: str) -> str:
        return json.dumps(
            {
                "product": {"attributes": {"usagetype": usagetype, "regionCode": "eu-central-1"}},
                "terms": {
                    "OnDemand": {"T": {"priceDimensions": {"D": {"beginRange": "0", "pricePerUnit": {"USD": usd}}}}}
                },
            }
        )

    docs = [
        doc("EUC1-Fargate-vCPU-Hours:perCPU", "0.0465600000"),
        doc("EUC1-Fargate-GB-Hours", "0.0051100000"),
        doc("EUC1-Fargate-ARM-vCPU-Hours:perCPU", "0.0372500000"),
        doc("EUC1-Fargate-ARM-GB-Hours", "0.0040900000"),
        doc("EUC1-SpotUsage-Fargate-vCPU-Hours:perCPU", "0.0140000000"),
        doc("EUC1-Fargate-Windows-vCPU-Hours:perCPU", "0.0900000000"),
        doc("EUC1-Fargate-EphemeralStorage-GB-Hours", "0.0001220000"),
        doc("EU-Fargate-GB-Hours-SpotDiscount", "0.0010000000"),
    ]
    assert usage_type(json.loads(docs[0])) == "Fargate-vCPU-Hours:perCPU"
    assert parse_products(docs, classify_fargate) == {
        "fargate.vcpu.x86": 0.04656,
        "fargate.gb.x86": 0.00511,
        "fargate.vcpu.arm": 0.03725,
        "fargate.gb.arm": 0.00409,
        "fargate.spot.vcpu.x86": 0.014,
        "fargate.ephemeral.gb": 0.000122,
    }


def test_live_prices_are_cached_on_disk_with_a_ttl(tmp_path: object) -> None:
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    calls: list[str] = []
    now = [datetime(2026, 12, 5, tzinfo=UTC)]

    def fetch(code: str, filters: list[dict[str, str]]) -> list[str]:
        calls.append(code)
        attrs = {"usagetype": "USE1-Fargate-vCPU-Hours:perCPU"}
        dims = {"D": {"pricePerUnit": {"USD": "0.05"}}}
        return [json.dumps({"product": {"attributes": attrs}, "terms": {"OnDemand": {"T": {"priceDimensions": dims}}}})]

    cache = Path(str(tmp_path)) / "price-cache.json"
    first = PriceBook("us-east-1", fetch=fetch, cache=cache, now=lambda: now[0])
    assert first.get("fargate.vcpu.x86").usd == 0.05  # type: ignore[union-attr]
    assert first.get("fargate.gb.x86").source == SHIPPED  # type: ignore[union-attr]  # not in the answer
    again = PriceBook("us-east-1", fetch=fetch, cache=cache, now=lambda: now[0] + timedelta(days=6))
    assert again.get("fargate.vcpu.x86").usd == 0.05  # type: ignore[union-attr]
    assert calls == ["AmazonECS"]  # the second book read the cache
    stale = PriceBook("us-east-1", fetch=fetch, cache=cache, now=lambda: now[0] + timedelta(days=8))
    stale.get("fargate.vcpu.x86")
    assert calls == ["AmazonECS", "AmazonECS"]


def test_an_unreadable_price_list_falls_back_to_the_dated_table() -> None:
    book = PriceBook("us-east-1", fetch=lambda code, filters: None)
    price = book.get("fargate.vcpu.arm")
    assert price is not None and price.usd == 0.03238 and price.source == SHIPPED
    assert book.live_failed and book.table_date == "2026-12-05"

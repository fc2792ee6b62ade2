"""Unit prices for one region: the AWS Price List API (cached on disk), else the shipped dated table.

Prices are looked up by a small vocabulary of keys (``fargate.vcpu.arm``, ``nat.hour``,
``rds.instance:db.t4g.micro`` ...). Each group of keys is one ``pricing:GetProducts`` query (the Price List API
answers in us-east-1 only; ``vegaops.aws.clients.HOME_REGIONS``), classified by usage type, and kept in
``<state dir>/price-cache.json`` for ``CACHE_TTL_S``. When the Price List cannot be read (denied, not supported by
the endpoint, failing), the command says so once and every price comes from ``vegaops.cost.prices.TABLE``, whose
date is shown. A price found in neither is ``None``: the caller says it is unknown, it never guesses.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from vegaops.cost.prices import TABLE

if TYPE_CHECKING:
    from mypy_boto3_pricing.type_defs import FilterTypeDef

CACHE_TTL_S = 7 * 24 * 3600.0
# Fargate Spot is priced by spare capacity; where no Spot price is known the table assumes AWS's "up to 70% off".
SPOT_FACTOR = 0.30
LIVE = "price-list"
SHIPPED = "table"

# The Price List's location names (its regionCode filter is used; these only label output).
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")

Filters: TypeAlias = "list[FilterTypeDef]"  # GetProducts' own filter type: mypy checks the request
Fetch: TypeAlias = "Callable[[str, Filters], Iterable[str] | None]"  # PriceList JSON documents; None: not readable


@dataclass(frozen=True)
class Price:
    usd: float
    source: str  # LIVE | SHIPPED
    estimated: bool = False  # derived, not a published figure (Spot from the on-demand rate)


def _term(field_name: str, value: str) -> FilterTypeDef:
    return {"Type": "TERM_MATCH", "Field": field_name, "Value": value}


def usage_type(doc: dict[str, Any]) -> str:
    """The product's usage type without its region prefix (``EUC1-Fargate-GB-Hours`` -> ``Fargate-GB-Hours``)."""
    raw = str(doc.get("product", {}).get("attributes", {}).get("usagetype", ""))
    return _REGION_PREFIX.sub("", raw)


def on_demand_usd(doc: dict[str, Any]) -> float | None:
    """The first non-zero on-demand USD price of a Price List product (its first tier when tiered)."""
    for term in (doc.get("terms", {}).get("OnDemand") or {}).values():
        dims = sorted(
            (term.get("priceDimensions") or {}).values(), key=lambda d: float(str(d.get("beginRange", "0")) or 0)
        )
        for dim in dims:
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd)
    return None


def classify_fargate(ut: str) -> str | None:
    """A Fargate usage type -> its key; Windows and discount lines are not ours."""
    if "Fargate" not in ut and "SpotUsage" not in ut:
        return None
    if any(word in ut for word in ("Windows", "Discount", "EKS")):
        return None
    arch = "arm" if "ARM" in ut else "x86"
    spot = ".spot" if "Spot" in ut else ""
    if "EphemeralStorage" in ut:
        return None if spot else "fargate.ephemeral.gb"
    if "vCPU" in ut:
        return f"fargate{spot}.vcpu.{arch}"
    if "GB-Hours" in ut:
        return f"fargate{spot}.gb.{arch}"
    return None


def _suffix(mapping: dict[str, str]) -> Callable[[str], str | None]:
    def classify(ut: str) -> str | None:
        for suffix, key in mapping.items():
            if ut.endswith(suffix):
                return key
        return None

    return classify


@dataclass(frozen=True)
class Group:
    """One Price List query and how its products map to keys."""

    service_code: str
    filters: tuple[tuple[str, str], ...]
    classify: Callable[[str], str | None]


def group_for(key: str) -> tuple[str, Group] | None:
    """The query that prices ``key`` (its cache name and the group)."""
    head, _, arg = key.partition(":")
    if head.startswith("fargate."):
        return "fargate", Group("AmazonECS", (), classify_fargate)
    if head.startswith("alb."):
        return "alb", Group(
            "AWSELB",
            (("productFamily", "Load Balancer-Application"),),
            _suffix({"LoadBalancerUsage": "alb.hour", "LCUUsage": "alb.lcu"}),
        )
    if head.startswith("nat."):
        return "nat", Group(
            "AmazonEC2",
            (("productFamily", "NAT Gateway"),),
            _suffix({"NatGateway-Hours": "nat.hour", "NatGateway-Bytes": "nat.gb"}),
        )
    if head == "secret.month":
        return "secrets", Group("AWSSecretsManager", (), _suffix({"AWSSecretsManager-Secrets": "secret.month"}))
    if head == "logs.ingest.gb":
        return "logs", Group("AmazonCloudWatch", (), _suffix({"-DataProcessing-Bytes": "logs.ingest.gb"}))
    if head == "aurora.serverless.acu":
        return "aurora", Group(
            "AmazonRDS", (), lambda ut: "aurora.serverless.acu" if ut.endswith("Aurora:ServerlessV2Usage") else None
        )
    if head == "rds.instance" and arg:
        return f"rds:{arg}", Group(
            "AmazonRDS",
            (("instanceType", arg), ("deploymentOption", "Single-AZ"), ("databaseEngine", "PostgreSQL")),
            lambda ut: key if "InstanceUsage" in ut else None,
        )
    if head == "elasticache.node" and arg:
        return f"elasticache:{arg}", Group(
            "AmazonElastiCache",
            (("instanceType", arg), ("cacheEngine", "Redis")),
            lambda ut: key if "NodeUsage" in ut else None,
        )
    return None


def parse_products(documents: Iterable[str], classify: Callable[[str], str | None]) -> dict[str, float]:
    """PriceList JSON documents -> ``{key: usd}`` (the lowest price when several products map to one key)."""
    prices: dict[str, float] = {}
    for raw in documents:
        doc = json.loads(raw) if isinstance(raw, str) else raw
        key = classify(usage_type(doc))
        usd = on_demand_usd(doc)
        if key is None or usd is None:
            continue
        prices[key] = min(usd, prices.get(key, usd))
    return prices


@dataclass
class PriceBook:
    """Prices of one region. ``fetch`` reads the Price List (None: the table only); ``cache`` is a JSON file."""

    region: str
    fetch: Fetch | None = None
    cache: Path | None = None
    now: Callable[[], datetime] | None = None
    ttl_s: float = CACHE_TTL_S
    live_failed: bool = False  # the Price List could not be read in this command: the table from here on
    used: set[str] = field(default_factory=set)  # sources used (LIVE, SHIPPED)
    _groups: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def table_date(self) -> str:
        return str(TABLE["as_of"])

    @property
    def table_has_region(self) -> bool:
        return self.region in TABLE["regions"]

    def get(self, key: str) -> Price | None:
        price = self._live(key)
        if price is None:
            price = self._shipped(key)
        if price is None and ".spot." in key:
            base = self.get(key.replace(".spot.", "."))
            if base is not None:
                price = Price(round(base.usd * SPOT_FACTOR, 8), base.source, estimated=True)
        if price is not None:
            self.used.add(price.source)
        return price

    def _shipped(self, key: str) -> Price | None:
        usd = TABLE["regions"].get(self.region, {}).get(key)
        return Price(float(usd), SHIPPED) if usd is not None else None

    def _live(self, key: str) -> Price | None:
        if self.fetch is None or self.live_failed:
            return None
        found = group_for(key)
        if found is None:
            return None
        name, group = found
        prices = self._groups.get(name)
        if prices is None:
            prices = self._cached(name)
        if prices is None:
            filters = [_term("regionCode", self.region), *(_term(k, v) for k, v in group.filters)]
            documents = self.fetch(group.service_code, filters)
            if documents is None:  # the Price List could not be read (reported by the fetcher)
                self.live_failed = True
                return None
            prices = parse_products(documents, group.classify)
            self._store(name, prices)
        self._groups[name] = prices
        usd = prices.get(key)
        return Price(usd, LIVE) if usd is not None else None

    # -- the on-disk cache ----------------------------------------------------------------------------------
    def _cache_key(self, name: str) -> str:
        return f"{self.region}|{name}"

    def _read_cache(self) -> dict[str, Any]:
        if self.cache is None or not self.cache.is_file():
            return {}
        try:
            data = json.loads(self.cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _cached(self, name: str) -> dict[str, float] | None:
        entry = self._read_cache().get(self._cache_key(name))
        if not isinstance(entry, dict) or self.now is None:
            return None
        try:
            fetched = datetime.fromisoformat(str(entry["fetched_at"]))
        except (KeyError, ValueError):
            return None
        if self.now() - fetched > timedelta(seconds=self.ttl_s):
            return None
        prices = entry.get("prices")
        return {str(k): float(v) for k, v in prices.items()} if isinstance(prices, dict) else None

    def _store(self, name: str, prices: dict[str, float]) -> None:
        if self.cache is None or self.now is None or not prices:
            return
        from vegaops.paths import replace_private

        data = self._read_cache()
        data[self._cache_key(name)] = {"fetched_at": self.now().isoformat(), "prices": prices}
        with contextlib.suppress(OSError):  # a cache that cannot be written costs one more query next time
            replace_private(self.cache, json.dumps(data, indent=1, sort_keys=True))

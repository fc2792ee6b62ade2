"""The shipped, dated fallback price table: used when the AWS Price List API cannot be read.

Public on-demand list prices per unit for the regions the seeds use (us-east-1, eu-central-1, eu-west-1), from
the AWS pricing pages named in ``sources``; ``as_of`` is shown whenever a figure comes from here. A price not in
the table is never guessed: the line says it is unknown.
"""

from __future__ import annotations

from typing import Any

TABLE: dict[str, Any] = {
    "as_of": "2026-12-05",
    "currency": "USD",
    "note": "Public on-demand list prices (no Savings Plans, no free tier), per unit, compiled on the as_of date "
    "from the pages in sources (us-east-1 Fargate: $0.04048/vCPU-h, $0.004445/GB-h, ARM $0.03238 and $0.00356, "
    "storage $0.000111/GB-h, as those pages publish them). Fargate Spot prices move with spare capacity: no Spot "
    "row is shipped; the on-demand rate x 0.30 (AWS: 'up to 70% discount') is used and shown as an estimate. "
    "Refresh from the Price List API (vegaops cost reads it live when pricing:GetProducts is allowed) and "
    "update this table when AWS changes a price.",
    "sources": {
        "fargate": "https://aws.amazon.com/fargate/pricing/",
        "alb": "https://aws.amazon.com/elasticloadbalancing/pricing/",
        "nat": "https://aws.amazon.com/vpc/pricing/",
        "secrets": "https://aws.amazon.com/secrets-manager/pricing/",
        "logs": "https://aws.amazon.com/cloudwatch/pricing/",
        "aurora": "https://aws.amazon.com/rds/aurora/pricing/",
        "rds": "https://aws.amazon.com/rds/postgresql/pricing/",
        "elasticache": "https://aws.amazon.com/elasticache/pricing/",
    },
    "units": {
        "fargate.vcpu.x86": "vCPU-hour",
        "fargate.gb.x86": "GB-hour",
        "fargate.vcpu.arm": "vCPU-hour",
        "fargate.gb.arm": "GB-hour",
        "fargate.ephemeral.gb": "GB-hour above the 20 GB included",
        "alb.hour": "load balancer hour",
        "alb.lcu": "LCU-hour",
        "nat.hour": "NAT gateway hour",
        "nat.gb": "GB processed",
        "secret.month": "secret-month",
        "logs.ingest.gb": "GB ingested (standard class)",
        "aurora.serverless.acu": "ACU-hour (Aurora Standard)",
        "rds.instance": "instance-hour (Single-AZ, PostgreSQL/MySQL)",
        "elasticache.node": "node-hour (Redis OSS / Valkey on-demand)",
    },
    "regions": {
        "us-east-1": {
            "fargate.vcpu.x86": 0.04048,
            "fargate.gb.x86": 0.004445,
            "fargate.vcpu.arm": 0.03238,
            "fargate.gb.arm": 0.00356,
            "fargate.ephemeral.gb": 0.000111,
            "alb.hour": 0.0225,
            "alb.lcu": 0.008,
            "nat.hour": 0.045,
            "nat.gb": 0.045,
            "secret.month": 0.4,
            "logs.ingest.gb": 0.5,
            "aurora.serverless.acu": 0.12,
            "rds.instance:db.t4g.micro": 0.016,
            "rds.instance:db.t4g.small": 0.032,
            "rds.instance:db.t4g.medium": 0.065,
            "rds.instance:db.t3.micro": 0.018,
            "elasticache.node:cache.t4g.micro": 0.016,
            "elasticache.node:cache.t4g.small": 0.032,
            "elasticache.node:cache.t3.micro": 0.017,
        },
        "eu-central-1": {
            "fargate.vcpu.x86": 0.04656,
            "fargate.gb.x86": 0.00511,
            "fargate.vcpu.arm": 0.03725,
            "fargate.gb.arm": 0.00409,
            "fargate.ephemeral.gb": 0.000128,
            "alb.hour": 0.027,
            "alb.lcu": 0.008,
            "nat.hour": 0.052,
            "nat.gb": 0.052,
            "secret.month": 0.4,
            "logs.ingest.gb": 0.63,
            "aurora.serverless.acu": 0.14,
            "rds.instance:db.t4g.micro": 0.018,
            "rds.instance:db.t4g.small": 0.036,
            "rds.instance:db.t4g.medium": 0.072,
            "rds.instance:db.t3.micro": 0.02,
            "elasticache.node:cache.t4g.micro": 0.018,
            "elasticache.node:cache.t4g.small": 0.036,
            "elasticache.node:cache.t3.micro": 0.019,
        },
        "eu-west-1": {
            "fargate.vcpu.x86": 0.04048,
            "fargate.gb.x86": 0.004445,
            "fargate.vcpu.arm": 0.03238,
            "fargate.gb.arm": 0.00356,
            "fargate.ephemeral.gb": 0.000111,
            "alb.hour": 0.0252,
            "alb.lcu": 0.008,
            "nat.hour": 0.048,
            "nat.gb": 0.048,
            "secret.month": 0.4,
            "logs.ingest.gb": 0.57,
            "aurora.serverless.acu": 0.13,
            "rds.instance:db.t4g.micro": 0.017,
            "rds.instance:db.t4g.small": 0.034,
            "rds.instance:db.t4g.medium": 0.068,
            "rds.instance:db.t3.micro": 0.018,
            "elasticache.node:cache.t4g.micro": 0.017,
            "elasticache.node:cache.t4g.small": 0.034,
            "elasticache.node:cache.t3.micro": 0.018,
        },
    },
}

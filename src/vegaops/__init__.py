"""vegaops: an operations runbook CLI for AWS ECS Fargate estates."""

__version__ = "0.1.0"

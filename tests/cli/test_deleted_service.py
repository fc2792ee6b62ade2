"""A deleted service (ECS still describes it for a while, INACTIVE) is not found (exit 3) for every command that
acts on or reads one service, and nothing is changed: the one check is ``Ecs.require_services``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.test_deploy_cli import estate  # noqa: F401  (the fixture: vega-api on vega-api:1)

pytestmark = pytest.mark.usefixtures("aws")

COMMANDS = [
    ("scale", "api", "3"),
    ("debug", "api"),
    ("deploy", "history", "api"),
    ("deploy", "watch", "api"),
    ("shell", "api"),
    ("shell", "api", "--enable"),
    ("env", "vars", "api"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_a_deleted_service_is_not_found_and_left_alone(
    cli: Any,
    estate: dict[str, Any],  # noqa: F811
    command: tuple[str, ...],
) -> None:
    ecs = estate["ecs"]
    ecs.update_service(cluster="vega-staging", service="vega-api", desiredCount=0)
    ecs.delete_service(cluster="vega-staging", service="vega-api")
    (svc,) = ecs.describe_services(cluster="vega-staging", services=["vega-api"])["services"]
    assert svc["status"] == "INACTIVE"  # still described: the case this checks
    r = cli("--yes", *command)
    assert r.exit_code == 3, r.output
    assert "service vega-api not found in cluster vega-staging" in r.stderr, r.stderr
    (after,) = ecs.describe_services(cluster="vega-staging", services=["vega-api"])["services"]
    assert after["desiredCount"] == 0 and after["status"] == "INACTIVE"

"""deploy on strategies, in-process moto: a bad --wait-until and a CODE_DEPLOY/EXTERNAL service are refused
with exit 2 before any change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.test_deploy_cli import _revisions, estate

pytestmark = pytest.mark.usefixtures("aws")
__all__ = ["estate"]


def test_bad_wait_until_is_exit_2_with_the_stages(cli: Any, estate: dict[str, Any]) -> None:
    r = cli("deploy", "--tag", "v2-stable", "api", "--wait-until", "BAKING")
    assert r.exit_code == 2, r.output
    assert "--wait-until 'BAKING'" in r.stderr and "BAKE_TIME" in r.stderr and "paused" in r.stderr
    assert _revisions(estate) == 1
    r = cli("deploy", "watch", "api", "--wait-until", "soon")
    assert r.exit_code == 2 and "POST_TEST_TRAFFIC_SHIFT" in r.stderr


@pytest.mark.parametrize(("controller", "says"), [("CODE_DEPLOY", "CodeDeploy"), ("EXTERNAL", "task sets")])
def test_other_deployment_controllers_are_refused_before_any_change(
    cli: Any, estate: dict[str, Any], controller: str, says: str
) -> None:
    ecs = estate["ecs"]
    ecs.delete_service(cluster="vega-staging", service="vega-api", force=True)
    ecs.create_service(
        cluster="vega-staging",
        serviceName="vega-api",
        taskDefinition="vega-api:1",
        desiredCount=2,
        deploymentController={"type": controller},
    )
    r = cli("deploy", "--tag", "v2-stable", "api")
    assert r.exit_code == 2, r.output
    assert f"{controller} deployment controller" in r.stderr and says in r.stderr
    assert _revisions(estate) == 1

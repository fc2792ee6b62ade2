"""A forced redeploy (same task definition) that fails and is rolled back by the breaker is a rollback,
never "superseded, succeeded": the rollback deployment runs the same task definition as ours did."""

from __future__ import annotations

from tests.unit.test_verdict import crash, dep, snap
from vegaops.deploy import verdict as v
from vegaops.deploy.snapshot import Target

TD = "arn:aws:ecs:eu-central-1:1:task-definition/vega-api:1"
FORCED = Target("vega-api", "ecs-svc/2", TD, None)


def test_failed_forced_redeploy_rolled_back_to_the_same_definition_is_5() -> None:
    history = [
        snap(1, dep("ecs-svc/2", "PRIMARY", TD, "IN_PROGRESS", 0, failed=4), stopped=crash(4)),
        snap(
            2,
            dep("ecs-svc/9", "PRIMARY", TD, "IN_PROGRESS", 0),
            dep("ecs-svc/2", "ACTIVE", TD, "FAILED", 0, failed=4),
            stopped=crash(4),
        ),
        snap(3, dep("ecs-svc/9", "PRIMARY", TD, "COMPLETED", 2)),  # ours is gone; the rollback completed
    ]
    verdict = v.assess(FORCED, history)
    assert (verdict.outcome, verdict.exit_code) == ("rolled_back", 5), verdict


def test_superseded_by_the_same_definition_without_failure_is_still_success() -> None:
    history = [
        snap(1, dep("ecs-svc/2", "PRIMARY", TD, "IN_PROGRESS", 1)),
        snap(2, dep("ecs-svc/9", "PRIMARY", TD, "COMPLETED", 2)),
    ]
    assert v.assess(FORCED, history).exit_code == 0

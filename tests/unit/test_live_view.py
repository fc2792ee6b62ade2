"""The live deploy table's last row says what is true at the end (issue 15 item 6)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from vegaops.context import AppContext
from vegaops.deploy.view import LiveView
from vegaops.output.render import Output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def state(**extra: Any) -> dict[str, Any]:
    base = {
        "event": "state",
        "service": "vega-api",
        "deployment": "ecs-svc/2331611927492838238",
        "status": "ACTIVE",
        "desired": 2,
        "pending": 0,
        "failed": 0,
        "primary": None,
        "primary_task_definition": None,
        "targets": {"healthy": 2},
        "elapsed": 1.0,
    }
    return {**base, **extra}


def test_a_rolled_back_row_shows_what_runs_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    err = Terminal()
    view = LiveView(AppContext(output=Output("human", stderr=err)))
    with view:
        view.event(state(rollout_state="IN_PROGRESS", running=0, pending=2))
        view.event(
            state(
                rollout_state="GONE",
                running=0,
                failed=4,
                primary="ecs-svc/3507148155286299573",
                primary_task_definition="vega-api:1",
                primary_rollout_state="COMPLETED",
                primary_desired=2,
                primary_running=2,
                primary_pending=0,
                elapsed=185.0,
            )
        )
    last = [line for line in err.getvalue().splitlines() if "vega-api" in line][-1]
    assert "GONE" not in last and "0/2" not in last, last
    assert "rolled back to vega-api:1 (COMPLETED)" in last and "2/2" in last and "3m05s" in last, last


def test_a_blue_green_row_shows_stage_weights_bake_and_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    err = Terminal()
    view = LiveView(AppContext(output=Output("human", stderr=err)))
    with view:
        view.event(
            state(
                rollout_state="IN_PROGRESS",
                running=2,
                strategy="BLUE_GREEN",
                stage="BAKE_TIME",
                production_weight=100.0,
                test_weight=100.0,
                step="1/1",
                bake_remaining=3000.0,
                hooks=[
                    {"hook": "lambda smoke-test", "id": "h1", "status": "SUCCEEDED", "stage": "POST_TEST_TRAFFIC_SHIFT"}
                ],
            )
        )
        view.event(
            {
                "event": "paused",
                "service": "vega-api",
                "message": "paused at POST_TEST_TRAFFIC_SHIFT by pause hook p1: waiting 1m00s; in 29m00s ECS will roll "
                "back",
            }
        )
    text = err.getvalue()
    row = [line for line in text.splitlines() if "BAKE_TIME" in line][-1]
    assert "prod 100% test 100% step 1/1 bake 50m00s left hooks: lambda smoke-test SUCCEEDED" in row, row
    assert "vega-api: paused at POST_TEST_TRAFFIC_SHIFT by pause hook p1" in text

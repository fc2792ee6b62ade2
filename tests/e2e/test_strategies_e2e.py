"""End-to-end: blue/green and canary deployments on the sandbox (real server, real HTTP): stages in the
NDJSON events, success only after the bake, --wait-until then re-attach, a failing hook, a pause continued or
aborted, an alarm during the bake, stop --rollback, and the verdict by DescribeServices alone."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e
FAST = ("--poll-interval", "0.5", "--timeout", "90")


@pytest.fixture(scope="module")
def strategies_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Handle]:
    """The sandbox at speed 20 with a sandbox minute of 100 simulated seconds: the 1-minute bake lasts 5 s,
    long enough to act during it (--wait-until BAKE_TIME, then stop)."""
    from tests.sandbox_fixtures import TEST_SPEED
    from vegaops.sandbox.process import start

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VEGAOPS_SANDBOX_MINUTE", "100")
        handle = start(speed=TEST_SPEED, state_dir=tmp_path_factory.mktemp("strategies-sandbox"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def sbx(strategies_sandbox: Handle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Handle]:
    admin.reset(strategies_sandbox.endpoint)
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(strategies_sandbox.state_file.parent))
    monkeypatch.chdir(tmp_path)
    yield strategies_sandbox


def parse(stdout: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return lines[:-1], lines[-1]


def stages(events: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for e in events:
        if e["event"] == "state" and e.get("stage") and (not out or out[-1] != e["stage"]):
            out.append(e["stage"])
    return out


def test_blue_green_succeeds_after_the_bake_with_stages_in_the_events(cli: Any, sbx: Handle) -> None:
    status = cli("--env", "sandbox", "-o", "json", "sandbox", "status")
    strategies = {s["service"]: s["strategy"] for s in json.loads(status.stdout)["data"]["services"]}
    assert strategies["vega-checkout"] == "BLUE_GREEN" and strategies["vega-search"] == "CANARY"
    assert strategies["vega-api"] == "ROLLING"
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "checkout", *FAST)
    assert r.exit_code == 0, r.output
    events, envelope = parse(r.stdout)
    seen = stages(events)
    assert seen[-2:] == ["BAKE_TIME", "CLEAN_UP"]  # (the 1 s stages before it pass between polls)
    assert seen == sorted(seen, key=_order)
    bake = next(e for e in events if e.get("stage") == "BAKE_TIME")
    assert bake["strategy"] == "BLUE_GREEN" and bake["production_weight"] == 100 and bake["bake_remaining"] > 0
    assert "after the traffic shift and a 1 min bake" in envelope["data"]["services"][0]["reasons"][0]


def _order(stage: str) -> int:
    from vegaops.deploy.strategy import STAGES

    return STAGES.index(stage)


def test_canary_plain_lines_show_weights_and_steps(cli: Any, sbx: Handle) -> None:
    r = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "search", *FAST)
    assert r.exit_code == 0, r.output
    assert "CANARY PRODUCTION_TRAFFIC_SHIFT prod 20% test 100% step 1/2" in r.stderr


def test_wait_until_then_watch_re_attaches_for_the_verdict(cli: Any, sbx: Handle) -> None:
    r = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "checkout", "--wait-until", "BAKE_TIME")
    assert r.exit_code == 0, r.output
    assert "reached BAKE_TIME (production traffic 100%, test 100%); it goes on in ECS" in r.stderr
    assert "reached BAKE_TIME" in r.stdout and "follow it to its verdict with" in r.stdout
    assert "deploy watch checkout" in r.stdout
    w = cli("--env", "sandbox", "-o", "json", "deploy", "watch", "checkout", *FAST)
    assert w.exit_code == 0, w.output
    _, envelope = parse(w.stdout)
    assert envelope["data"]["services"][0]["outcome"] == "succeeded"


def test_a_failing_hook_is_a_rollback_naming_hook_and_stage(cli: Any, sbx: Handle) -> None:
    admin.set_fault(sbx.endpoint, "checkout", "hook-fail")
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "checkout", *FAST)
    assert r.exit_code == 5, r.output
    _, envelope = parse(r.stdout)
    reasons = " ".join(envelope["data"]["services"][0]["reasons"])
    assert "lifecycle hook lambda sandbox-smoke-test failed at POST_TEST_TRAFFIC_SHIFT" in reasons


@contextmanager
def watching(service: str) -> Iterator[subprocess.Popen[str]]:
    """``deploy watch SERVICE`` running in its own process (attached before the test acts on the deployment)."""
    from tests.conftest import vegaops_executable

    proc = subprocess.Popen(
        [*vegaops_executable(), "--env", "sandbox", "-o", "json", "deploy", "watch", service, *FAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # its first state event: attached
    assert first.startswith("{"), first + (proc.stderr.read() if proc.stderr else "")
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


@pytest.mark.parametrize(("verb", "exit_code", "says"), [("continue", 0, "succeeded"), ("abort", 5, "a person")])
def test_pause_then_continue_or_abort(cli: Any, sbx: Handle, verb: str, exit_code: int, says: str) -> None:
    admin.set_fault(sbx.endpoint, "checkout", "hook-pause")
    r = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "checkout", "--wait-until", "paused")
    assert r.exit_code == 0, r.output
    assert "paused at POST_TEST_TRAFFIC_SHIFT by pause hook" in r.stderr and "ECS will roll back" in r.stderr
    dry = cli("--env", "sandbox", "deploy", verb, "checkout", "--dry-run")
    assert dry.exit_code == 0 and "dry run" in dry.stdout, dry.output
    with watching("checkout") as proc:
        done = cli("--env", "sandbox", "--yes", "deploy", verb, "checkout")
        assert done.exit_code == 0, done.output
        again = cli("--env", "sandbox", "--yes", "deploy", verb, "checkout")
        assert again.exit_code == 0 and "not waiting at a pause hook" in again.output + again.stderr
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == exit_code, out + err
    _, envelope = parse(out)
    row = envelope["data"]["services"][0]
    assert says in " ".join([row["outcome"], *row["reasons"]])


def test_an_alarm_during_the_bake_is_a_rollback_naming_the_alarm(cli: Any, sbx: Handle) -> None:
    admin.set_fault(sbx.endpoint, "checkout", "alarm")
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "checkout", *FAST)
    assert r.exit_code == 5, r.output
    _, envelope = parse(r.stdout)
    row = envelope["data"]["services"][0]
    assert row["alarms"] == ["vega-checkout-deploy-alarm"]
    assert "went into ALARM at BAKE_TIME" in " ".join(row["reasons"])


def test_stop_with_rollback_during_the_bake(cli: Any, sbx: Handle) -> None:
    r = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "checkout", "--wait-until", "BAKE_TIME")
    assert r.exit_code == 0, r.output
    with watching("checkout") as proc:
        stop = cli("--env", "sandbox", "--yes", "deploy", "stop", "checkout", "--rollback")
        assert stop.exit_code == 0, stop.output
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 5, out + err
    _, envelope = parse(out)
    assert "StopServiceDeployment ROLLBACK" in " ".join(envelope["data"]["services"][0]["reasons"])


def test_without_the_api_the_verdict_comes_from_describe_services(cli: Any, sbx: Handle) -> None:
    admin.plain(sbx.endpoint, ["ListServiceDeployments", "DescribeServiceDeployments"])
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "checkout", *FAST)
    assert r.exit_code == 0, r.output
    events, envelope = parse(r.stdout)
    assert envelope["data"]["services"][0]["outcome"] == "succeeded"
    assert any(s["operation"] == "ecs:ListServiceDeployments" for s in envelope["data"]["skipped"])
    assert not stages(events)

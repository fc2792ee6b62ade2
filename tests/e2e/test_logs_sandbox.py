"""logs / health / debug end-to-end on the sandbox (real server process, real simulated rollouts)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.sandbox_fixtures import client as _client
from tests.sandbox_fixtures import until as _until
from vegaops.sandbox import admin

pytestmark = pytest.mark.e2e

SERVICES = {"api": "vega-api", "worker": "vega-worker", "llm-proxy": "vega-llm-proxy"}


def _redeploy(handle: Any, key: str) -> None:
    _client(handle, "ecs").update_service(cluster="vega-sandbox", service=SERVICES[key], forceNewDeployment=True)


def _all_events(handle: Any, group: str, start: int, end: int, prefix: str) -> list[dict[str, Any]]:
    logs = _client(handle, "logs")
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start, "endTime": end, "interleaved": True}
    while True:
        page = logs.filter_log_events(**kwargs)
        out += [e for e in page["events"] if e["logStreamName"].startswith(prefix)]
        if not page.get("nextToken"):
            return out
        kwargs["nextToken"] = page["nextToken"]


@pytest.fixture
def sandbox(sandbox_module, monkeypatch):  # type: ignore[no-untyped-def]
    """One sandbox for the logs/health tests (each touches different services)."""
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    return sandbox_module


def test_tail_is_time_ordered_across_tasks_and_services(sandbox, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--env", "sandbox", "-o", "json", "logs", "tail", "api", "worker", "--since", "1h")
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    events = docs[:-1]
    assert r.exit_code == 0 and docs[-1]["data"]["events"] == len(events) > 0
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    assert {e["service"] for e in events} == {"api", "worker"}
    assert len({e["task"] for e in events if e["service"] == "api"}) == 2


def test_follow_through_a_rollout_loses_and_doubles_nothing(sandbox, cli) -> None:  # type: ignore[no-untyped-def]
    start = datetime.now(UTC) - timedelta(seconds=30)
    until = datetime.now(UTC) + timedelta(seconds=3)
    result: dict[str, Any] = {}

    def follow() -> None:
        result["r"] = cli(
            "--env",
            "sandbox",
            "-o",
            "json",
            "logs",
            "tail",
            "api",
            "-f",
            "--poll",
            "0.3",
            "--since",
            start.isoformat(),
            "--until",
            until.isoformat(),
        )

    thread = threading.Thread(target=follow)
    thread.start()
    time.sleep(0.5)
    _redeploy(sandbox, "api")  # old tasks drain and stop, new tasks start logging mid-follow
    thread.join(60)
    assert not thread.is_alive()
    r = result["r"]
    assert r.exit_code == 0, r.output
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    events = [d for d in docs[:-1] if "marker" not in d]
    markers = [d for d in docs[:-1] if "marker" in d]
    ms = lambda t: int(t.timestamp() * 1000)  # noqa: E731
    truth = _all_events(sandbox, "/ecs/vega-api", ms(start), ms(until), "ecs/api/")
    printed = [(e["stream"], e["timestamp"], e["message"]) for e in events]
    expected = [(e["logStreamName"], e["timestamp"], e["message"]) for e in truth]
    assert len(printed) == len(set(printed)), "an event was printed twice"
    assert sorted(printed) == sorted(expected), "an event was lost"
    tasks = {e["task"] for e in events}
    assert len(tasks) >= 4  # the two old tasks and the two new ones
    assert any(m["marker"] == "started" for m in markers)
    assert any(m["marker"] == "stopped" for m in markers)


def test_health_exit_codes_healthy_then_broken(sandbox, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--env", "sandbox", "health").exit_code == 0
    admin.set_fault(sandbox.endpoint, "llm-proxy", "unhealthy")
    _redeploy(sandbox, "llm-proxy")
    r = _until(
        lambda: (
            (x := cli("--env", "sandbox", "-o", "json", "health", "llm-proxy", "--retries", "1")).exit_code == 5 and x
        )
    )
    assert r, "health never reported the broken service"
    doc = json.loads(r.stdout)
    assert doc["status"] == "unhealthy" and doc["errors"]
    assert cli("--env", "sandbox", "health", "worker").exit_code == 0


@pytest.mark.parametrize(
    "faults",
    [
        {
            "api": ("crash", "crash", "exited api=1"),
            "worker": ("oom", "oom", "137"),
            "llm-proxy": ("unhealthy", "elb-health", "health check"),
        },
        {
            "api": ("pull", "image-not-found", "CannotPullContainerError"),
            "worker": ("secrets", "secret-missing", "ResourceInitializationError"),
        },
    ],
    ids=["crash-oom-unhealthy", "pull-secrets"],
)
def test_debug_names_the_cause_of_each_failure_mode(monkeypatch, tmp_path, cli, faults) -> None:  # type: ignore[no-untyped-def]
    from tests.sandbox_fixtures import TEST_SPEED
    from vegaops.sandbox.process import start

    state_dir = tmp_path / "sandbox-state"
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(state_dir))
    handle = start(speed=TEST_SPEED, state_dir=state_dir)
    try:
        for key, (mode, _kind, _evidence) in faults.items():
            admin.set_fault(handle.endpoint, key, mode)
            _redeploy(handle, key)
        for key, (mode, kind, evidence) in faults.items():

            def diagnosed(key: str = key, kind: str = kind) -> dict[str, Any] | None:
                r = cli("--env", "sandbox", "-o", "json", "debug", key, "--lines", "5")
                assert r.exit_code == 0, r.output
                doc: dict[str, Any] = json.loads(r.stdout)["data"]
                return doc if any(c["kind"] == kind for c in doc["likely_causes"]) else None

            doc = _until(diagnosed)
            assert doc, f"debug did not name {kind} for {key} ({mode})"
            first = doc["likely_causes"][0]
            assert first["kind"] == kind, doc["likely_causes"]
            assert evidence.lower() in (first["evidence"] + first["summary"]).lower()
            if mode in ("crash", "oom"):
                assert any(t["last_log_lines"] for g in doc["stopped_tasks"] for t in g["tasks"])
            if mode == "pull":  # the shipped runbook: the cause as a note (current or history), then health
                r = cli("--env", "sandbox", "runbook", "run", "debug", "--var", f"service={key}")
                assert "image-not-found" in r.output and "@sha256:" in r.output, r.output
                # health is 5 while the failing deployment is current, 0 once the service is steady on the old
                # revision again (the failure is then history, not the service's health)
                assert r.exit_code == 5 or (r.exit_code == 0 and "history" in r.output), r.output
    finally:
        handle.stop()


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("GetLogEvents", []),  # the per-stream read of a plain back-fill
        ("FilterLogEvents", ["--filter", "request"]),  # a --filter pattern scans the group
    ],
)
def test_throttling_is_not_fatal_and_noticed(sandbox, cli, operation: str, extra: list[str]) -> None:  # type: ignore[no-untyped-def]
    # more errors than botocore's own (short) retries absorb, even with 4 stream reads in flight at once
    # (2 attempts each): vegaops' backoff takes over, with a notice
    admin.reset_counts(sandbox.endpoint)
    admin.inject_errors(sandbox.endpoint, operation, count=10)
    r = cli("--env", "sandbox", "logs", "tail", "worker", "--since", "1h", *extra)
    assert r.exit_code == 0, r.output
    assert "throttled by CloudWatch Logs" in r.stderr and r.stdout.count("\n") > 0
    counts = admin.call_counts(sandbox.endpoint)
    other = "FilterLogEvents" if operation == "GetLogEvents" else "GetLogEvents"
    assert counts.get(f"logs:{operation}", 0) > 10 and f"logs:{other}" not in counts, counts


def test_broken_pipe_ends_quietly(sandbox) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess

    from tests.conftest import vegaops_executable

    env = {**os.environ, "VEGAOPS_STATE_DIR": str(sandbox.state_file.parent)}
    # following: new lines keep coming, so a write after the reader left must hit EPIPE
    proc = subprocess.Popen(
        [
            *vegaops_executable(),
            "--env",
            "sandbox",
            "logs",
            "tail",
            "api",
            "worker",
            "--since",
            "1s",
            "-f",
            "--poll",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(30) == 0 and b"Traceback" not in err and b"BrokenPipe" not in err


def test_deployment_current_and_previous_select_their_tasks(sandbox, cli) -> None:  # type: ignore[no-untyped-def]
    ecs = _client(sandbox, "ecs")

    def running() -> set[str]:
        arns = ecs.list_tasks(cluster="vega-sandbox", serviceName="vega-api", desiredStatus="RUNNING")["taskArns"]
        tasks = ecs.describe_tasks(cluster="vega-sandbox", tasks=arns)["tasks"] if arns else []
        return {
            t["taskArn"].rsplit("/", 1)[-1]
            for t in tasks
            if t["lastStatus"] == "RUNNING" and t.get("group") == "service:vega-api"
        }

    before = running()
    _redeploy(sandbox, "api")

    def settled() -> bool:
        svc = ecs.describe_services(cluster="vega-sandbox", services=["vega-api"])["services"][0]
        return (
            len(svc["deployments"]) == 1
            and svc["deployments"][0]["rolloutState"] == "COMPLETED"
            and len(running()) == 2
            and not (running() & before)
        )

    assert _until(settled)
    after = running()
    time.sleep(0.5)  # let the new tasks write a request line or two

    def tasks(which: str) -> set[str]:
        r = cli("--env", "sandbox", "-o", "json", "logs", "tail", "api", "--since", "1h", "--deployment", which)
        assert r.exit_code == 0, r.output
        return {json.loads(line)["task"] for line in r.stdout.splitlines()[:-1]}

    assert tasks("current") == after
    assert tasks("previous") == before


def test_live_tail_backfills_then_follows_without_repeats(sandbox, cli) -> None:  # type: ignore[no-untyped-def]
    until = datetime.now(UTC) + timedelta(seconds=2)
    r = cli(
        "--env",
        "sandbox",
        "-o",
        "json",
        "logs",
        "tail",
        "worker",
        "-f",
        "--live",
        "--since",
        "5m",
        "--poll",
        "0.3",
        "--until",
        until.isoformat(),
    )
    assert r.exit_code == 0, r.output
    assert "live tail" in r.stderr  # the session ended (moto sends one batch) or was refused: polling took over
    events = [json.loads(line) for line in r.stdout.splitlines()[:-1]]
    keys = [(e["stream"], e["timestamp"], e["message"]) for e in events if "marker" not in e]
    assert keys and len(keys) == len(set(keys))
    assert all({"timestamp", "message", "service", "task", "container", "stream"} <= set(e) for e in events)

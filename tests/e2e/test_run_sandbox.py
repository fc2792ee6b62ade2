"""``vegaops run`` and the release's gated migration end-to-end on the sandbox (real server, real processes).

The sandbox runs a one-off task's command as a local process: its lines reach the task's CloudWatch stream
and its exit code becomes the container's, so these tests check what a user sees against what ECS says.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import vegaops_executable
from tests.sandbox_fixtures import client as _client
from tests.sandbox_fixtures import until as _until
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

CLUSTER = "vega-sandbox"


def _task(handle: Handle, arn: str) -> dict[str, Any]:
    task: dict[str, Any] = _client(handle, "ecs").describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]
    return task


@pytest.fixture
def on(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch, cli: Any) -> Any:
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))

    def run(*args: str) -> Any:
        return cli("--env", "sandbox", "--yes", *args)

    return run


def test_a_command_that_exits_0_streams_its_lines_and_exits_0(on: Any, sandbox_module: Handle) -> None:
    r = on(
        "run", "worker", "--env", "GREETING=hello", "--", "sh", "-c", 'echo "$GREETING from $APP_ENV"; echo oops >&2'
    )
    assert r.exit_code == 0, r.output
    # stdout is the task's own output, stdout and stderr from the first line; the summary is on stderr
    assert r.stdout.splitlines() == ["hello from sandbox", "oops"], r.stdout
    assert "exit code worker: 0" in r.stderr and "EssentialContainerExited" in r.stderr and "exited 0" in r.stderr
    arn = json.loads(on("-o", "json", "run", "worker", "--", "true").stdout.splitlines()[-1])["data"]["run"]["task_arn"]
    task = _task(sandbox_module, arn)
    assert task["startedBy"] == "vegaops-run"
    assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "EssentialContainerExited"
    assert task["containers"][0]["exitCode"] == 0


def test_the_task_gets_the_task_definitions_secrets_and_the_services_network(on: Any, sandbox_module: Handle) -> None:
    r = on("-o", "json", "run", "api", "--", "sh", "-c", 'test -n "$DATABASE_URL" && echo secret-resolved')
    assert r.exit_code == 0, r.output
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["message"] for e in events[:-1]] == ["secret-resolved"]  # NDJSON log events, then the envelope
    assert events[0]["event"] == "log" and events[0]["container"] == "api"
    envelope = events[-1]
    assert envelope["schema"] == "vegaops.result/v1" and envelope["exit_code"] == 0
    request = envelope["data"]["request"]
    assert request["launch_type"] == "FARGATE" and request["platform_version"] == "1.4.0"
    assert request["started_by"] == "vegaops-run" and request["network"]["securityGroups"]
    service = _client(sandbox_module, "ecs").describe_services(cluster=CLUSTER, services=["vega-api"])["services"][0]
    task = _task(sandbox_module, envelope["data"]["run"]["task_arn"])
    assert task["taskDefinitionArn"] == service["taskDefinition"]
    assert task["launchType"] == "FARGATE"
    subnet = service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    attached = {d["value"] for a in task["attachments"] for d in a["details"] if d["name"] == "subnetId"}
    assert attached <= set(subnet) and attached


def test_a_non_zero_exit_is_5_naming_the_code_or_the_code_itself(on: Any) -> None:
    r = on("run", "worker", "--", "sh", "-c", "echo failing; exit 3")
    assert r.exit_code == 5, r.output
    assert "failing" in r.stdout
    assert "exited with code 3" in r.stderr
    assert on("run", "worker", "--propagate-exit-code", "--", "sh", "-c", "exit 3").exit_code == 3
    j = on("-o", "json", "run", "worker", "--", "sh", "-c", "exit 7")
    envelope = json.loads(j.stdout.splitlines()[-1])
    assert envelope["exit_code"] == 5 and envelope["data"]["run"]["exit_code"] == 7
    assert envelope["errors"][0]["message"].endswith("exited with code 7")


def test_a_task_that_cannot_start_is_explained_like_debug(on: Any, sandbox_module: Handle) -> None:
    ecs = _client(sandbox_module, "ecs")
    td = ecs.describe_task_definition(taskDefinition="vega-worker")["taskDefinition"]
    container = td["containerDefinitions"][0]
    container["image"] = container["image"].split("@")[0] + ":never-pushed"
    keys = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory")
    arn = ecs.register_task_definition(containerDefinitions=[container], **{k: td[k] for k in keys})["taskDefinition"]
    r = on("run", "worker", "--task-definition", arn["taskDefinitionArn"], "--", "echo", "should-not-run")
    assert r.exit_code == 5, r.output
    assert "could not start: CannotPullContainerError" in r.stderr
    assert "does not exist in the registry" in r.stderr  # debug's diagnosis (image-not-found)
    assert "image list" in r.stderr  # and its next command
    assert "should-not-run" not in r.stdout


def test_timeout_stops_the_task_and_exits_6(on: Any, sandbox_module: Handle) -> None:
    r = on("-o", "json", "run", "worker", "--timeout", "2", "--", "sh", "-c", "echo started; sleep 60")
    assert r.exit_code == 6, r.output
    run = json.loads(r.stdout.splitlines()[-1])["data"]["run"]
    assert run["verdict"] == "timed-out" and run["stopped_by_vegaops"] is True
    task = _until(lambda: (t := _task(sandbox_module, run["task_arn"]))["lastStatus"] == "STOPPED" and t)
    assert task and task["stopCode"] == "UserInitiated" and "--timeout" in task["stoppedReason"]


def test_timeout_with_keep_running_leaves_it_running(on: Any, sandbox_module: Handle) -> None:
    r = on("-o", "json", "run", "worker", "--timeout", "1", "--keep-running", "--", "sleep", "30")
    assert r.exit_code == 6, r.output
    arn = json.loads(r.stdout.splitlines()[-1])["data"]["run"]["task_arn"]
    assert _task(sandbox_module, arn)["lastStatus"] == "RUNNING"
    _client(sandbox_module, "ecs").stop_task(cluster=CLUSTER, task=arn)


def test_detach_prints_the_arn_and_returns(on: Any, sandbox_module: Handle) -> None:
    r = on("run", "worker", "--detach", "--", "sh", "-c", "sleep 1; echo done")
    assert r.exit_code == 0, r.output
    arn = r.stdout.strip()
    assert arn.startswith("arn:aws:ecs:") and ":task/vega-sandbox/" in arn
    assert _task(sandbox_module, arn)["lastStatus"] != "STOPPED"  # returned before it finished
    task = _until(lambda: (t := _task(sandbox_module, arn))["lastStatus"] == "STOPPED" and t)
    assert task and task["containers"][0]["exitCode"] == 0


def test_dry_run_starts_nothing(on: Any, sandbox_module: Handle) -> None:
    ecs = _client(sandbox_module, "ecs")
    before = ecs.list_tasks(cluster=CLUSTER, startedBy="vegaops-run")["taskArns"]
    r = on("--dry-run", "run", "worker", "--", "echo", "hi")
    assert r.exit_code == 0, r.output
    assert "run a one-off task of worker" in r.stderr
    assert ecs.list_tasks(cluster=CLUSTER, startedBy="vegaops-run")["taskArns"] == before


@pytest.mark.parametrize(("sig", "reason"), [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")])
def test_ctrl_c_stops_the_task_and_says_so(
    sandbox_module: Handle, tmp_path: Path, sig: signal.Signals, reason: str
) -> None:
    # Ctrl-C, or SIGTERM from a CI runner cancelling the job: the task is stopped, not left running
    env = {**os.environ, "VEGAOPS_STATE_DIR": str(sandbox_module.state_file.parent)}
    proc = subprocess.Popen(
        [*vegaops_executable(), "--env", "sandbox", "run", "worker", "--", "sh", "-c", "echo ready; sleep 60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"  # streamed live, while the task runs
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: the task was stopped" in err
    arn = err.split("(StopTask sent): ", 1)[1].split()[0]
    task = _until(lambda: (t := _task(sandbox_module, arn))["lastStatus"] == "STOPPED" and t)
    assert task and task["stopCode"] == "UserInitiated" and reason in task["stoppedReason"]


def _service_state(handle: Handle) -> dict[str, tuple[str, list[str]]]:
    services = _client(handle, "ecs").describe_services(
        cluster=CLUSTER, services=["vega-api", "vega-worker", "vega-llm-proxy"]
    )["services"]
    return {s["serviceName"]: (s["taskDefinition"], [d["id"] for d in s["deployments"]]) for s in services}


def test_a_failing_migration_stops_the_release_before_any_service_changes(on: Any, sandbox_module: Handle) -> None:
    before = _service_state(sandbox_module)
    r = on("runbook", "run", "release", "--var", "tag=v1.2.3-stable", "--var", "migrate=echo migrating; exit 4")
    assert r.exit_code == 5, r.output
    assert "step migrate failed" in r.stderr and "exited with code 4" in r.stderr
    assert "migrating" in r.output  # the migration's own lines
    assert _service_state(sandbox_module) == before  # no UpdateService: same revision, same deployment
    ran = _client(sandbox_module, "ecs").list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"]
    migration = [
        t
        for t in _client(sandbox_module, "ecs").describe_tasks(cluster=CLUSTER, tasks=ran)["tasks"]
        if t.get("startedBy", "").startswith("vegaops-run-")
    ]
    assert migration and migration[0]["containers"][0]["exitCode"] == 4
    assert migration[0]["taskDefinitionArn"] != before["vega-api"][0]  # the revision being released


def _revision_with(handle: Handle, service: str, tag: str) -> str:
    """A revision of the service's task definition running the image tagged ``tag`` (by digest, from ECR)."""
    ecs, ecr = _client(handle, "ecs"), _client(handle, "ecr")
    td = ecs.describe_task_definition(taskDefinition=service)["taskDefinition"]
    container = td["containerDefinitions"][0]
    digest = ecr.describe_images(repositoryName=service, imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]
    container["image"] = container["image"].split("@")[0] + "@" + digest
    keys = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory")
    registered = ecs.register_task_definition(containerDefinitions=[container], **{k: td[k] for k in keys})
    return str(registered["taskDefinition"]["taskDefinitionArn"])


@pytest.mark.parametrize(
    ("tag", "code", "words"),
    [("v1.2.4-crash", 1, "RuntimeError: required setting"), ("v1.2.5-oom", 137, "OutOfMemoryError")],
)
def test_images_flagged_crash_or_oom_behave_as_for_services(
    on: Any, sandbox_module: Handle, tag: str, code: int, words: str
) -> None:
    arn = _revision_with(sandbox_module, "vega-worker", tag)
    r = on("run", "worker", "--task-definition", arn, "--", "echo", "should-not-run")
    assert r.exit_code == 5, r.output
    assert f"exited with code {code}" in r.stderr
    assert words in r.output
    assert "should-not-run" not in r.stdout


def test_processes_stop_with_the_sandbox(sandbox: Handle, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    marker = "vegaops-oneoff-marker-4242"
    r = cli("--env", "sandbox", "run", "worker", "--detach", "--", "sh", "-c", f"sleep 300 # {marker}")
    assert r.exit_code == 0, r.output

    def running() -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    assert _until(running), "the task's process never started"
    sandbox.stop()
    assert _until(lambda: not running(), timeout=10)


def test_a_passing_migration_gates_open_and_a_second_run_does_not_repeat_it(on: Any, sandbox_module: Handle) -> None:
    """Last in this module: the release changes every service."""
    args = ("runbook", "run", "release", "--var", "tag=v1.2.3-stable", "--var", "migrate=echo migrated-$IMAGE_TAG")
    r = on(*args)
    assert r.exit_code == 0, r.output
    assert "migrated-v1.2.2-stable" in r.output  # the new revision's container (its variables), before the deploys
    state = _service_state(sandbox_module)
    assert all(not td.endswith(":1") for td, _ in state.values()), state
    again = on(*args)
    assert again.exit_code == 0, again.output
    assert "already ran" in again.output and "migrated-" not in again.output

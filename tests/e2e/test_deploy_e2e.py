"""End-to-end: vegaops deploy/rollback/status/history on the sandbox (real server, real HTTP).

One sandbox per module at speed 20, reset before each test so tests never depend on each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from vegaops.output.result import ENVELOPE_KEYS
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e


@pytest.fixture
def sbx(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Handle]:
    admin.reset(sandbox_module.endpoint)
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    monkeypatch.chdir(tmp_path)  # no vegaops.toml: the sandbox's built-in services
    yield sandbox_module


def ecs(h: Handle) -> Any:
    return boto3.client(
        "ecs",
        endpoint_url=h.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def parse(stdout: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return lines[:-1], lines[-1]


def service_td(h: Handle, name: str) -> str:
    svc = ecs(h).describe_services(cluster="vega-sandbox", services=[name])["services"][0]
    return str(svc["taskDefinition"]).rsplit("/", 1)[-1]


def test_success_with_json_and_ndjson_contract(cli: Any, sbx: Handle) -> None:
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "api")
    assert r.exit_code == 0, r.output
    events, envelope = parse(r.stdout)
    assert tuple(envelope) == ENVELOPE_KEYS
    assert envelope["status"] == "changed"
    row = envelope["data"]["services"][0]
    for key in (
        "old_task_definition",
        "new_task_definition",
        "digest",
        "deployment_id",
        "outcome",
        "reasons",
        "image",
        "tag",
    ):
        assert key in row
    assert row["outcome"] == "succeeded" and row["new_task_definition"].endswith("vega-api:2")
    assert row["image"].endswith("/vega-api@" + row["digest"]) and row["digest"].startswith("sha256:")
    assert envelope["data"]["api_calls"]["ecs"]["describe_services"] >= 1
    assert all("event" in e and "at" in e for e in events)
    assert {"state", "verdict"} <= {e["event"] for e in events}
    assert [e["outcome"] for e in events if e["event"] == "verdict"] == ["succeeded"]
    assert service_td(sbx, "vega-api") == "vega-api:2"
    td = ecs(sbx).describe_task_definition(taskDefinition="vega-api:2", include=["TAGS"])
    tags = {t["key"]: t["value"] for t in td.get("tags", [])}
    assert tags["vegaops:tag"] == "v1.2.3-stable" and tags["vegaops:outcome"] == "succeeded"
    # idempotent: the same deploy again is "already deployed", exit 0, no new revision
    again = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "api")
    assert again.exit_code == 0 and "already deployed" in again.stdout
    assert service_td(sbx, "vega-api") == "vega-api:2"


def test_circuit_breaker_rollback_is_exit_5_never_success(cli: Any, sbx: Handle) -> None:
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.4-crash", "worker")
    assert r.exit_code == 5, r.output
    events, envelope = parse(r.stdout)
    row = envelope["data"]["services"][0]
    assert row["outcome"] == "rolled_back"
    assert row["rollback_to"].endswith("vega-worker:1")
    assert "exited with code 1" in (row["failing"] or "")
    error = envelope["errors"][0]
    assert error["exit_code"] == 5 and "rolled back to vega-worker:1" in error["message"]
    assert not [e for e in events if e.get("outcome") == "succeeded"]
    assert any(e["event"] == "tasks_stopped" and 1 in e["exit_codes"] for e in events)
    assert any(e.get("log_tail") for e in events if e["event"] == "tasks_stopped")  # the failed task's last lines
    assert service_td(sbx, "vega-worker") == "vega-worker:1"
    history = cli("--env", "sandbox", "-o", "json", "deploy", "history", "worker")
    outcomes = {d["task_definition"]: d["outcome"] for d in json.loads(history.stdout)["data"]["deployments"]}
    assert outcomes["vega-worker:2"] == "rolled_back"


def test_fail_fast_with_rollback_on_failure(cli: Any, sbx: Handle) -> None:
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.5-oom", "llm-proxy", "--rollback-on-failure")
    assert r.exit_code == 5, r.output
    events, envelope = parse(r.stdout)
    failing = [e for e in events if e["event"] == "failing"]
    assert failing and "OutOfMemoryError" in failing[0]["reason"]
    assert envelope["data"]["services"][0]["outcome"] == "rolled_back"
    assert service_td(sbx, "vega-llm-proxy") == "vega-llm-proxy:1"


def test_multi_service_with_promotion_from_staging(cli: Any, sbx: Handle) -> None:
    admin.reset_counts(sbx.endpoint)
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.3.0-stable")
    assert r.exit_code == 0, r.output
    _, envelope = parse(r.stdout)
    rows = envelope["data"]["services"]
    assert sorted(row["service"] for row in rows) == [
        "vega-api",
        "vega-checkout",
        "vega-llm-proxy",
        "vega-search",
        "vega-worker",
    ]
    assert all(row["promoted_from"] == "staging/" + row["service"] for row in rows)
    assert all(row["outcome"] == "succeeded" for row in rows)
    calls = envelope["data"]["api_calls"]
    # batched preflight 1 (reused by the register/deploy plans; the watch plan reuses the UpdateService
    # answers), then ONE call per poll for the five services
    assert calls["ecs"]["describe_services"] == 1 + calls["polls"]
    # per service, each read once: the live task definition and the family's revisions (shared by the
    # re-run check and the pruning of old revisions)
    assert calls["ecs"]["describe_task_definition"] == 5 and calls["ecs"]["list_task_definitions"] == 5
    counts = admin.call_counts(sbx.endpoint)
    assert counts.get("ecr:PutImage", 0) == 5
    images = boto3.client(
        "ecr",
        endpoint_url=sbx.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    found = images.describe_images(repositoryName="vega-api", imageIds=[{"imageTag": "v1.3.0-stable"}])
    api = next(row for row in rows if row["service"] == "vega-api")
    assert found["imageDetails"][0]["imageDigest"] == api["digest"]


def test_rollback_command_and_status(cli: Any, sbx: Handle) -> None:
    assert cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "api").exit_code == 0
    r = cli("--env", "sandbox", "rollback", "api")
    assert r.exit_code == 0, r.output
    assert "vega-api:2 -> vega-api:1" in r.stdout
    assert service_td(sbx, "vega-api") == "vega-api:1"
    status = cli("--env", "sandbox", "-o", "json", "status")
    rows = {row["service"]: row for row in json.loads(status.stdout)["data"]["services"]}
    assert rows["vega-api"]["task_definition"] == "vega-api:1" and rows["vega-api"]["running"] == 2
    assert json.loads(status.stdout)["data"]["api_calls"]["ecs"]["describe_services"] == 1
    explicit = cli("--env", "sandbox", "rollback", "api", "--to", "2")
    assert explicit.exit_code == 0, explicit.output
    assert service_td(sbx, "vega-api") == "vega-api:2"


def test_lock_contention_is_exit_8(cli: Any, sbx: Handle) -> None:
    ssm = boto3.client(
        "ssm",
        endpoint_url=sbx.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    ssm.put_parameter(
        Name="/vegaops/locks/sandbox/deploy/vega-worker",
        Type="String",
        Value=json.dumps(
            {
                "who": "ci@runner-7",
                "at": "2026-11-25T00:00:00+00:00",
                "tag": "v1.2.3-stable",
                "expires": "2999-01-01T00:00:00+00:00",
            }
        ),
    )
    r = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "worker")
    assert r.exit_code == 8, r.output
    assert "held by ci@runner-7" in r.stderr
    assert service_td(sbx, "vega-worker") == "vega-worker:1"
    assert cli("--env", "sandbox", "deploy", "unlock", "worker").exit_code == 0
    assert cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "worker").exit_code == 0


def recorded(h: Handle, td: str) -> tuple[str | None, str | None]:
    """(vegaops:outcome, vegaops:outcome-from) on the revision: what a watch recorded has no -from."""
    got = ecs(h).describe_task_definition(taskDefinition=td, include=["TAGS"]).get("tags", [])
    tags = {t["key"]: t["value"] for t in got}
    return tags.get("vegaops:outcome"), tags.get("vegaops:outcome-from")


def test_release_and_rollback_runbooks(cli: Any, sbx: Handle) -> None:
    plan = cli("--env", "sandbox", "runbook", "plan", "release", "--var", "tag=v1.2.3-stable")
    assert plan.exit_code == 0, plan.output
    r = cli("--env", "sandbox", "runbook", "run", "release", "--var", "tag=v1.2.4-crash")
    assert r.exit_code == 5, r.output  # the release runbook's watch tells the truth too
    assert service_td(sbx, "vega-api") == "vega-api:1"
    assert recorded(sbx, "vega-api:2") == ("rolled_back", None)  # its watch's verdict, recorded after it failed
    ok = cli("--env", "sandbox", "runbook", "run", "release", "--var", "tag=v1.2.3-stable")
    assert ok.exit_code == 0, ok.output
    assert {service_td(sbx, s) for s in ("vega-api", "vega-worker", "vega-llm-proxy")} == {
        "vega-api:3",
        "vega-worker:3",
        "vega-llm-proxy:3",
    }
    assert {recorded(sbx, f"{s}:3") for s in ("vega-api", "vega-worker", "vega-llm-proxy")} == {("succeeded", None)}
    back = cli("--env", "sandbox", "runbook", "run", "rollback", "--var", "service=vega-api")
    assert back.exit_code == 0, back.output
    assert service_td(sbx, "vega-api") == "vega-api:1"  # :2 was rolled back by the breaker: skipped
    assert recorded(sbx, "vega-api:1")[0] == "succeeded"  # the rollback's verdict

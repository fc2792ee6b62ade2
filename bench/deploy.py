"""Deploy verdicts on the sandbox: vegaops vs `aws ecs update-service` + `aws ecs wait services-stable` vs
fabfuel's `ecs deploy`, on the same scenarios.

    .venv/bin/python bench/deploy.py [--runs 3] [--ecs-deploy /path/to/ecs]

For each tool and scenario it reports the exit code and the verdict the tool gave, the detection latency
(the tool's exit minus the moment the sandbox finished the deciding deployment: our deployment's
completion, or the rollback's), and ECS API calls per minute as counted by the sandbox. Runs at speed 1
(a rollout takes ~5-15 s, like the demo). Talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from vegaops.sandbox import admin, process

CLUSTER = "vega-sandbox"
SERVICE, CONTAINER, REPO = "vega-api", "api", "vega-api"
GOOD = ("v1.2.2-stable", "v1.2.3-stable")  # alternated, so every good run is a real change
CRASH = "v1.2.4-crash"


def clients(env: dict[str, str]) -> tuple[Any, Any]:
    kw = {"endpoint_url": env["AWS_ENDPOINT_URL"], "region_name": env["AWS_REGION"],
          "aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}
    return boto3.client("ecs", **kw), boto3.client("ecr", **kw)  # type: ignore[call-overload]


def settle(ecs: Any) -> None:
    while True:
        d = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["deployments"]
        if len(d) == 1 and d[0]["rolloutState"] == "COMPLETED":
            return
        time.sleep(0.2)


def pinned(ecr: Any, tag: str) -> str:
    repo = ecr.describe_repositories(repositoryNames=[REPO])["repositories"][0]["repositoryUri"]
    digest = ecr.describe_images(repositoryName=REPO, imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]
    return f"{repo}@{digest}"


def register(ecs: Any, image: str) -> str:
    td = ecs.describe_task_definition(taskDefinition=SERVICE)["taskDefinition"]
    td["containerDefinitions"][0]["image"] = image
    keep = ("family", "containerDefinitions", "networkMode", "requiresCompatibilities", "cpu", "memory",
            "executionRoleArn")
    return str(ecs.register_task_definition(**{k: td[k] for k in keep if k in td})["taskDefinition"]
               ["taskDefinitionArn"])


def deciding_finish(ecs: Any, since: datetime) -> tuple[datetime | None, str]:
    """When the sandbox finished the deployment that decides the outcome, and what that outcome was."""
    rows = ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)["serviceDeployments"]
    started = [r for r in rows if r["createdAt"] >= since]
    done = [r for r in started if r.get("finishedAt")]
    if not done:
        return None, "unfinished"
    last = max(done, key=lambda r: r["finishedAt"])
    truth = "rolled back" if any(r["status"] in ("ROLLBACK_SUCCESSFUL", "FAILED") for r in started) else "succeeded"
    return last["finishedAt"], truth


def run_tool(tool: str, scenario: str, tag: str, env: dict[str, str], ecs: Any, ecr: Any, vegaops: list[str],
             ecs_deploy: str | None) -> list[str] | None:
    if tool == "vegaops":
        return [*vegaops, "--env", "sandbox", "deploy", "--tag", tag, "api"]
    if tool == "aws-cli":
        td = register(ecs, pinned(ecr, tag))
        return ["bash", "-c", f"aws ecs update-service --cluster {CLUSTER} --service {SERVICE} --task-definition {td}"
                              f" >/dev/null && aws ecs wait services-stable --cluster {CLUSTER} --services {SERVICE}"]
    if tool == "ecs-deploy" and ecs_deploy:
        return [ecs_deploy, "deploy", CLUSTER, SERVICE, "--image", CONTAINER, pinned(ecr, tag), "--timeout", "300",
                "--region", env["AWS_REGION"], "--access-key-id", "sandbox", "--secret-access-key", "sandbox"]
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ecs-deploy", default=shutil.which("ecs"))
    args = parser.parse_args()
    vegaops = [str(Path(sys.executable).parent / "vegaops")]
    state = Path(tempfile.mkdtemp(prefix="vegaops-bench-"))
    os.environ["VEGAOPS_STATE_DIR"] = str(state)
    handle = process.start(speed=1.0, state_dir_=state)
    env = {**os.environ, **handle.env(), "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "NO_COLOR": "1"}
    ecs, ecr = clients(handle.env())
    results: dict[tuple[str, str], list[tuple[float, float, int, str, str]]] = {}
    good_index = 1
    try:
        for _ in range(args.runs):
            for scenario in ("good", "crash"):
                for tool in ("vegaops", "aws-cli", "ecs-deploy"):
                    settle(ecs)
                    if scenario == "good":
                        tag, good_index = GOOD[good_index], 1 - good_index
                    else:
                        tag = CRASH
                    cmd = run_tool(tool, scenario, tag, env, ecs, ecr, vegaops, args.ecs_deploy)
                    if cmd is None:
                        continue
                    admin.reset_counts(handle.endpoint)
                    since = datetime.now(UTC)
                    t0 = time.monotonic()
                    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
                    took = time.monotonic() - t0
                    exited = datetime.now(UTC)
                    calls = admin.call_counts(handle.endpoint)
                    ecs_calls = sum(n for op, n in calls.items() if op.startswith("ecs:"))
                    finished, truth = deciding_finish(ecs, since)
                    latency = (exited - finished).total_seconds() if finished else float("nan")
                    claimed = "success" if proc.returncode == 0 else f"failure (exit {proc.returncode})"
                    results.setdefault((tool, scenario), []).append(
                        (latency, ecs_calls * 60 / took, proc.returncode, claimed, truth))
                    if scenario == "crash" and tool != "vegaops":
                        settle(ecs)
    finally:
        handle.stop()
    print("| tool | scenario | runs | exit codes | verdict given | truth | median detection latency | "
          "ECS calls/min |")
    print("|---|---|---|---|---|---|---|---|")
    for (tool, scenario), rows in results.items():
        latency = statistics.median(r[0] for r in rows)
        per_min = statistics.median(r[1] for r in rows)
        codes = ",".join(str(r[2]) for r in rows)
        claims = sorted({r[3] for r in rows})
        truths = sorted({r[4] for r in rows})
        print(f"| {tool} | {scenario} | {len(rows)} | {codes} | {'; '.join(claims)} | {'; '.join(truths)} | "
              f"{latency:.1f} s | {per_min:.0f} |")


if __name__ == "__main__":
    main()

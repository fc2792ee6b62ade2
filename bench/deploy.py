"""Benchmark: vegaops deploy vs `aws ecs update-service` + `aws ecs wait services-stable` vs fabfuel
`ecs deploy`, on the sandbox (not a test; run by hand, results in bench/RESULTS.md).

    .venv/bin/python bench/deploy.py [--speed 2] [--reps 3] [--ecs-deploy /tmp/bench-venv/bin/ecs]

Per scenario and tool: the verdict (exit code), the detection latency = tool exit time minus the
simulated event that decides the outcome (the service's "reached a steady state" for a good image,
the "deployment failed" circuit-breaker trip for a bad one; server timestamps, same machine clock),
and ECS API calls per minute while the tool ran (the sandbox's call counters).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle, start

SCENARIOS = {"good": "v1.2.3-stable", "breaker": "v1.2.4-crash"}
CLUSTER = "vega-sandbox"
SERVICE = "vega-api"
OPTIONS: dict[str, bool] = {"all_services": False}


def client(h: Handle, name: str) -> Any:
    return boto3.client(name, endpoint_url=h.endpoint, region_name="eu-central-1",
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def image_for(h: Handle, tag: str) -> tuple[str, str]:
    ecr = client(h, "ecr")
    repo = ecr.describe_repositories(repositoryNames=[SERVICE])["repositories"][0]["repositoryUri"]
    details = ecr.describe_images(repositoryName=SERVICE, imageIds=[{"imageTag": tag}])["imageDetails"]
    digest = details[0]["imageDigest"]
    return f"{repo}@{digest}", f"{repo}:{tag}"


def register_clone(h: Handle, image: str) -> str:
    from vegaops.aws.ecs import Ecs, clone_spec

    ecs = Ecs(client(h, "ecs"))
    svc = ecs.describe_services(CLUSTER, [SERVICE])[0][SERVICE]
    live = ecs.describe_task_definition(svc["taskDefinition"])
    return ecs.register_task_definition(clone_spec(live, {"api": image})).arn


def decisive_event(h: Handle, scenario: str, after: float) -> float | None:
    events = client(h, "ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["events"]
    want = "reached a steady state" if scenario == "good" else "deployment failed"
    times = [e["createdAt"].timestamp() for e in events
             if want in e["message"] and e["createdAt"].timestamp() >= after]
    return min(times) if times else None


def run_tool(h: Handle, tool: str, scenario: str, env: dict[str, str], ecs_deploy: str | None) -> dict[str, Any]:
    tag = SCENARIOS[scenario]
    pinned, by_tag = image_for(h, tag)
    pre: list[list[str]] = []
    if tool == "vegaops":
        names = [] if OPTIONS["all_services"] else ["api"]  # [] = every service of the environment, watched together
        cmds = [[str(Path(sys.executable).parent / "vegaops"), "--env", "sandbox", "deploy", "--tag", tag, *names]]
    elif tool == "aws-cli":
        td = register_clone(h, pinned)
        cmds = [["aws", "ecs", "update-service", "--cluster", CLUSTER, "--service", SERVICE, "--task-definition", td,
                 "--output", "json"],
                ["aws", "ecs", "wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE]]
    else:
        assert ecs_deploy
        cmds = [[ecs_deploy, "deploy", CLUSTER, SERVICE, "-i", "api", by_tag, "--timeout", "600"]]
    del pre
    admin.reset_counts(h.endpoint)
    t0 = time.time()
    code = 0
    outputs = []
    for cmd in cmds:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
        outputs.append((proc.stdout[-400:], proc.stderr[-600:]))
        code = proc.returncode
        if code:
            break
    t1 = time.time()
    counts = admin.call_counts(h.endpoint)
    ecs_calls = sum(v for k, v in counts.items() if k.startswith("ecs:"))
    decided = decisive_event(h, scenario, t0)
    steady = decisive_event(h, "good", t0)  # for the breaker: the rollback's steady state
    svc = client(h, "ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    return {
        "tool": tool, "scenario": scenario, "exit_code": code,
        "verdict": "success" if code == 0 else f"failure (exit {code})",
        "correct": (code == 0) == (scenario == "good"),
        "latency_s": round(t1 - decided, 2) if decided else None, "duration_s": round(t1 - t0, 2),
        "after_steady_s": round(t1 - steady, 2) if steady else None,
        "ecs_calls": ecs_calls, "ecs_calls_per_min": round(ecs_calls / max((t1 - t0) / 60, 1e-9), 1),
        "final_task_definition": svc["taskDefinition"].rsplit("/", 1)[-1], "tail": outputs[-1][1][-300:],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=2.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--ecs-deploy", default=os.environ.get("ECS_DEPLOY", "/tmp/bench-venv/bin/ecs"))
    parser.add_argument("--tools", default="vegaops,aws-cli,ecs-deploy")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--all-services", action="store_true", help="vegaops deploys every service at once")
    args = parser.parse_args()
    OPTIONS["all_services"] = args.all_services
    for name in list(SCENARIOS):
        if name not in args.scenarios.split(","):
            del SCENARIOS[name]
    tools = args.tools.split(",")
    if "aws-cli" in tools and not shutil.which("aws"):
        print("aws cli not found: skipping it", file=sys.stderr)
        tools.remove("aws-cli")
    if "ecs-deploy" in tools and not Path(args.ecs_deploy).exists():
        print(f"ecs-deploy not found at {args.ecs_deploy}: skipping it", file=sys.stderr)
        tools.remove("ecs-deploy")
    state = Path(tempfile.mkdtemp(prefix="vegaops-bench-"))
    handle = start(speed=args.speed, state_dir=state)
    env = {**os.environ, **handle.env(), "VEGAOPS_STATE_DIR": str(state), "NO_COLOR": "1"}
    rows: list[dict[str, Any]] = []
    try:
        for scenario in SCENARIOS:
            for tool in tools:
                for _ in range(args.reps):
                    admin.reset(handle.endpoint)
                    time.sleep(1.0)  # let the reseeded estate settle into steady state
                    row = run_tool(handle, tool, scenario, env, args.ecs_deploy)
                    rows.append(row)
                    print(json.dumps({k: v for k, v in row.items() if k != "tail"}), flush=True)
    finally:
        handle.stop()
    print("\n| scenario | tool | verdict (exit) | correct | median detection latency s | ECS calls/min (median) |")
    print("|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        for tool in tools:
            rs = [r for r in rows if r["tool"] == tool and r["scenario"] == scenario]
            lat = [r["latency_s"] for r in rs if r["latency_s"] is not None]
            verdicts = sorted({r["verdict"] for r in rs})
            rate = statistics.median(r["ecs_calls_per_min"] for r in rs)
            print(f"| {scenario} | {tool} | {', '.join(verdicts)} | {sum(r['correct'] for r in rs)}/{len(rs)} | "
                  f"{statistics.median(lat) if lat else '-'} | {rate} |")
    if args.json:
        args.json.write_text(json.dumps({"at": datetime.now().isoformat(), "speed": args.speed, "rows": rows},
                                        indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

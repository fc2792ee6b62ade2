"""Benchmark: vegaops deploy vs `aws ecs update-service` + `aws ecs wait services-stable` vs fabfuel
`ecs deploy`, on the sandbox (not a test; run by hand, results in bench/RESULTS.md).

    .venv/bin/python bench/deploy.py [--speed 2] [--reps 3] [--ecs-deploy /tmp/bench-venv/bin/ecs]

Per scenario and tool: the verdict (exit code), the detection latency = tool exit time minus the
simulated event that decides the outcome (the service's "reached a steady state" for a good image,
the "deployment failed" circuit-breaker trip for a bad one; server timestamps, same machine clock),
and ECS API calls per minute while the tool ran (the sandbox's call counters). For vegaops the run's
JSON envelope also splits the calls into the fixed per-deploy work and the watch.

``--speed`` scales the sandbox's simulated durations (1 = a rollout in ~7 s; 0.05 = ~2 minutes, closer
to Fargate behind an ALB). ``--services N`` adds N-3 clones of vega-api (own family, same image
repository) to the three demo services, and vegaops deploys all N at once (the peers deploy one
service per invocation, so they run on vega-api alone).
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

# good: a healthy image; the others trip the circuit breaker, which rolls back to the previous revision
SCENARIOS = {"good": "v1.2.3-stable", "breaker": "v1.2.4-crash", "oom": "v1.2.5-oom", "unhealthy": "v1.2.6-unhealthy"}
CLUSTER = "vega-sandbox"
SERVICE = "vega-api"
OPTIONS: dict[str, Any] = {"all_services": False, "services": 3, "workdir": None}


def client(h: Handle, name: str) -> Any:
    return boto3.client(
        name,
        endpoint_url=h.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


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


def add_clones(h: Handle, total: int, workdir: Path) -> None:
    """Services vega-api-3.. (own task definition family, image repository vega-api, no load balancer)
    and a vegaops.toml that lists all of them for ``--env sandbox``."""
    from vegaops.sandbox.env import DEMO_SERVICES

    lines = [
        f'[service.{key}]\necs_service = "{svc}"\ncontainer = "{c}"\necr_repo = "{repo}"\n'
        for key, (svc, c, repo, _alb) in DEMO_SERVICES.items()
    ]
    ecs = client(h, "ecs")
    live = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    td = ecs.describe_task_definition(taskDefinition=live["taskDefinition"])["taskDefinition"]
    keep = (
        "containerDefinitions",
        "cpu",
        "memory",
        "networkMode",
        "requiresCompatibilities",
        "executionRoleArn",
        "taskRoleArn",
    )
    for i in range(len(DEMO_SERVICES), total):
        name = f"vega-api-{i}"
        arn = ecs.register_task_definition(family=name, **{k: td[k] for k in keep if td.get(k)})["taskDefinition"][
            "taskDefinitionArn"
        ]
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=name,
            taskDefinition=arn,
            desiredCount=2,
            launchType="FARGATE",
            deploymentConfiguration=live.get("deploymentConfiguration", {}),
            networkConfiguration=live.get("networkConfiguration", {}),
        )
        lines.append(f'[service.api-{i}]\necs_service = "{name}"\ncontainer = "api"\necr_repo = "vega-api"\n')
    (workdir / "vegaops.toml").write_text("\n".join(lines))


def decisive_event(h: Handle, scenario: str, after: float) -> float | None:
    """The deciding event's server time; with every service deployed, the last service's."""
    ecs = client(h, "ecs")
    names = [SERVICE]
    if OPTIONS["all_services"]:
        names = [a.rsplit("/", 1)[-1] for a in ecs.list_services(cluster=CLUSTER, maxResults=100)["serviceArns"]]
    want = "reached a steady state" if scenario == "good" else "deployment failed"
    decided: list[float] = []
    for i in range(0, len(names), 10):
        for svc in ecs.describe_services(cluster=CLUSTER, services=names[i : i + 10])["services"]:
            times = [
                e["createdAt"].timestamp()
                for e in svc["events"]
                if want in e["message"] and e["createdAt"].timestamp() >= after
            ]
            if times:
                decided.append(min(times))
    return max(decided) if decided else None


def run_tool(h: Handle, tool: str, scenario: str, env: dict[str, str], ecs_deploy: str | None) -> dict[str, Any]:
    tag = SCENARIOS[scenario]
    pinned, by_tag = image_for(h, tag)
    pre: list[list[str]] = []
    if tool == "vegaops":
        names = [] if OPTIONS["all_services"] else ["api"]  # [] = every service of the environment, watched together
        cmds = [
            [
                str(Path(sys.executable).parent / "vegaops"),
                "--env",
                "sandbox",
                "-o",
                "json",
                "deploy",
                "--tag",
                tag,
                *names,
            ]
        ]
    elif tool == "aws-cli":
        td = register_clone(h, pinned)
        cmds = [
            [
                "aws",
                "ecs",
                "update-service",
                "--cluster",
                CLUSTER,
                "--service",
                SERVICE,
                "--task-definition",
                td,
                "--output",
                "json",
            ],
            ["aws", "ecs", "wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE],
        ]
    else:
        assert ecs_deploy
        cmds = [[ecs_deploy, "deploy", CLUSTER, SERVICE, "-i", "api", by_tag, "--timeout", "600"]]
    del pre
    admin.reset_counts(h.endpoint)
    t0 = time.time()
    code = 0
    outputs = []
    envelope: dict[str, Any] = {}
    for cmd in cmds:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=1800, check=False, cwd=OPTIONS["workdir"]
        )
        outputs.append((proc.stdout[-400:], proc.stderr[-600:]))
        if tool == "vegaops" and proc.stdout.strip():
            envelope = json.loads(proc.stdout.strip().splitlines()[-1])
        code = proc.returncode
        if code:
            break
    t1 = time.time()
    counts = admin.call_counts(h.endpoint)
    ecs_calls = sum(v for k, v in counts.items() if k.startswith("ecs:"))
    decided = decisive_event(h, scenario, t0)
    steady = decisive_event(h, "good", t0)  # for the breaker: the rollback's steady state
    svc = client(h, "ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    calls = (envelope.get("data") or {}).get("api_calls") or {}
    watch = calls.get("ecs_watch")
    return {
        "services": len((envelope.get("data") or {}).get("services") or []) or 1,
        "ecs_watch": watch,
        "ecs_fixed": ecs_calls - watch if watch is not None else None,
        "watch_per_min": round(watch / max((t1 - t0) / 60, 1e-9), 1) if watch is not None else None,
        "tool": tool,
        "scenario": scenario,
        "exit_code": code,
        "verdict": "success" if code == 0 else f"failure (exit {code})",
        "correct": (code == 0) == (scenario == "good"),
        "latency_s": round(t1 - decided, 2) if decided else None,
        "duration_s": round(t1 - t0, 2),
        "after_steady_s": round(t1 - steady, 2) if steady else None,
        "ecs_calls": ecs_calls,
        "ecs_calls_per_min": round(ecs_calls / max((t1 - t0) / 60, 1e-9), 1),
        "final_task_definition": svc["taskDefinition"].rsplit("/", 1)[-1],
        "tail": outputs[-1][1][-300:],
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
    parser.add_argument("--services", type=int, default=3, help="services in the estate (3 demo + clones of vega-api)")
    args = parser.parse_args()
    OPTIONS["all_services"] = args.all_services or args.services > 3
    OPTIONS["services"] = args.services
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
    workdir = Path(tempfile.mkdtemp(prefix="vegaops-bench-cwd-"))
    OPTIONS["workdir"] = workdir
    rows: list[dict[str, Any]] = []
    try:
        for scenario in SCENARIOS:
            for tool in tools:
                for _ in range(args.reps):
                    admin.reset(handle.endpoint)
                    if args.services > 3:
                        add_clones(handle, args.services, workdir)
                    settle = 1.0 if args.services <= 3 else 6.0 / args.speed  # clones start their first tasks
                    time.sleep(settle)  # let the (re)seeded estate settle into steady state
                    row = run_tool(handle, tool, scenario, env, args.ecs_deploy)
                    rows.append(row)
                    print(json.dumps({k: v for k, v in row.items() if k != "tail"}), flush=True)
    finally:
        handle.stop()
    print(f"\nspeed {args.speed}, {args.services} services in the estate")
    print(
        "\n| scenario | tool | services | verdict (exit) | correct | median detection latency s | after rollback "
        "steady s | ECS calls (fixed + watch) | duration s | ECS calls/min | watch calls/min |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        for tool in tools:
            rs = [r for r in rows if r["tool"] == tool and r["scenario"] == scenario]
            lat = [r["latency_s"] for r in rs if r["latency_s"] is not None]
            verdicts = sorted({r["verdict"] for r in rs})
            if not rs:
                continue
            rate = statistics.median(r["ecs_calls_per_min"] for r in rs)
            mid = sorted(rs, key=lambda r: r["ecs_calls_per_min"])[len(rs) // 2]
            split = (
                f"{mid['ecs_calls']} ({mid['ecs_fixed']} + {mid['ecs_watch']})"
                if mid["ecs_watch"] is not None
                else str(mid["ecs_calls"])
            )
            after = [r["after_steady_s"] for r in rs if r["after_steady_s"] is not None and scenario != "good"]
            print(
                f"| {scenario} | {tool} | {mid['services']} | {', '.join(verdicts)} | "
                f"{sum(r['correct'] for r in rs)}/{len(rs)} | {statistics.median(lat) if lat else '-'} | "
                f"{statistics.median(after) if after else '-'} | {split} | {mid['duration_s']} | {rate} | "
                f"{mid['watch_per_min'] if mid['watch_per_min'] is not None else '-'} |"
            )
    if args.json:
        args.json.write_text(
            json.dumps({"at": datetime.now().isoformat(), "speed": args.speed, "rows": rows}, indent=1, default=str)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What ``deploy history`` costs in AWS calls on the sandbox, first look and second look.

.venv/bin/python bench/history_calls.py                  # this checkout
.venv/bin/python bench/history_calls.py --src DIR/src     # another checkout (e.g. a git worktree of an older commit)

A fresh sandbox (its own HOME and state), one ``deploy --tag v1.2.3-stable api``, then the outcome tags removed
from every vega-api revision (as if the deploy role could not tag: what an interrupted deploy or a denied
TagResource leaves), then ``deploy history api`` twice. The first look resolves the outcomes from ECS and records
them (the ``ecs.record-outcomes`` step); the second reads the tags. Calls are the sandbox's own per-operation
counts, so every call vegaops makes is seen. Nothing here reaches real AWS: the sandbox is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(HERE / "src"), help="the src/ directory of the vegaops to measure")
    args = parser.parse_args(argv)
    home = tempfile.mkdtemp(prefix="vegaops-bench-")
    env = dict(
        os.environ,
        PYTHONPATH=args.src,
        HOME=home,
        XDG_STATE_HOME=f"{home}/state",
        XDG_CONFIG_HOME=f"{home}/config",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )

    def vegaops(*a: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "vegaops", *a]
        r = subprocess.run(command, check=False, env=env, cwd=home, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise SystemExit(f"vegaops {' '.join(a)}: exit {r.returncode}\n{r.stderr}")
        return r

    vegaops("sandbox", "up")
    try:
        endpoint = json.loads(vegaops("-o", "json", "sandbox", "status").stdout)["data"]["endpoint"]
        sys.path.insert(0, args.src)
        import boto3

        from vegaops.sandbox import admin

        vegaops("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "api")
        ecs: Any = boto3.client(
            "ecs", endpoint_url=endpoint, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        for arn in ecs.list_task_definitions(familyPrefix="vega-api")["taskDefinitionArns"]:
            ecs.untag_resource(resourceArn=arn, tagKeys=["vegaops:outcome", "vegaops:resolved"])
        for look in ("first", "second"):
            admin.reset_counts(endpoint)
            r = vegaops("--env", "sandbox", "deploy", "history", "api")
            counts = admin.call_counts(endpoint)
            detail = ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))
            print(f"{look} look: {sum(counts.values())} calls ({detail}); {len(r.stderr.splitlines())} stderr lines")
    finally:
        vegaops("sandbox", "down", check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

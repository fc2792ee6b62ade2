"""Benchmark: `vegaops config list --values` (500 parameters) and `vegaops secret list` (200 secrets) against
`aws ssm get-parameters-by-path --recursive` and `aws secretsmanager list-secrets`, all against one local moto
server over HTTP (the same endpoint, the same data), as real processes (start-up included).

    .venv/bin/python bench/secrets.py [--runs 5] [--append bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARAMS = 500
SECRETS = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(endpoint: str) -> None:
    import boto3

    kw = {
        "endpoint_url": endpoint,
        "region_name": "eu-central-1",
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
    }
    ssm = boto3.client("ssm", **kw)
    sm = boto3.client("secretsmanager", **kw)
    for i in range(PARAMS):
        ssm.put_parameter(
            Name=f"/vega/bench/param-{i:03d}", Value=f"value-{i}", Type="SecureString" if i % 5 == 0 else "String"
        )
    for i in range(SECRETS):
        sm.create_secret(Name=f"vega/bench/secret-{i:03d}", SecretString=f"s3cret-{i}")


def timed(cmd: list[str], env: dict[str, str], cwd: Path, runs: int, check: object) -> tuple[float, float, str]:
    times = []
    out = ""
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
        out = proc.stdout
    assert callable(check) and check(out), f"unexpected output of {' '.join(cmd)}"
    return statistics.median(times), min(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--append", type=Path)
    args = parser.parse_args()
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        seed(endpoint)
        work = Path(tempfile.mkdtemp(prefix="vegaops-bench-"))
        (work / "vegaops.toml").write_text(
            '[project]\nname = "vega"\nregion = "eu-central-1"\ndefault_env = "bench"\n[env.bench]\n'
        )
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "NO_COLOR": "1",
            "VEGAOPS_STATE_DIR": str(work / "state"),
        }
        vegaops = shutil.which("vegaops", path=str(Path(sys.executable).parent)) or "vegaops"
        aws = shutil.which("aws") or "aws"
        ep = ["--endpoint-url", endpoint]
        cases = [
            (
                "config list --values (500 params)",
                [vegaops, "-o", "json", "config", "list", "--values"],
                lambda o: len(json.loads(o)["data"]["parameters"]) == PARAMS,
            ),
            (
                "aws ssm get-parameters-by-path --recursive",
                [
                    aws,
                    "ssm",
                    "get-parameters-by-path",
                    "--path",
                    "/vega/bench",
                    "--recursive",
                    "--with-decryption",
                    *ep,
                ],
                lambda o: len(json.loads(o)["Parameters"]) == PARAMS,
            ),
            (
                "secret list (200 secrets)",
                [vegaops, "-o", "json", "secret", "list", "--no-refs"],
                lambda o: len(json.loads(o)["data"]["secrets"]) == SECRETS,
            ),
            (
                "aws secretsmanager list-secrets",
                [aws, "secretsmanager", "list-secrets", *ep],
                lambda o: len(json.loads(o)["SecretList"]) == SECRETS,
            ),
        ]
        rows = []
        for label, cmd, check in cases:
            median, best, _ = timed(cmd, env, work, args.runs, check)
            rows.append((label, median, best))
            print(f"{label:48s} median {median:6.2f}s  best {best:6.2f}s", flush=True)
        shutil.rmtree(work, ignore_errors=True)
    finally:
        server.stop()
    if args.append:
        aws_version = subprocess.run(["aws", "--version"], capture_output=True, text=True, check=False)
        lines = [
            f"\n## secrets/config listing ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n",
            f"Command: `.venv/bin/python bench/secrets.py --runs {args.runs} --append bench/RESULTS.md` — local moto "
            f"server over HTTP, {PARAMS} parameters (every 5th SecureString) and {SECRETS} secrets, real processes "
            f"(start-up included), {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other jobs were "
            f"running); {(aws_version.stdout or aws_version.stderr).strip()}.\n",
            "| command | median s | best s |",
            "|---|---|---|",
            *[f"| {label} | {median:.2f} | {best:.2f} |" for label, median, best in rows],
        ]
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

"""Start-up cost of a one-call AWS command: `vegaops config get NAME` against a bare boto3 script making the
same GetParameter call, `aws ssm get-parameter` and `vegaops --help` (CPU time, user + sys, of each process).

    .venv/bin/python bench/startup.py [--runs N] [--aws PATH] [--baseline DIR] [--append bench/RESULTS.md]

A moto server runs in this process on 127.0.0.1 (its CPU is not counted: only the child processes' rusage is),
with one parameter under a ``vegaops.toml`` environment's prefix. Each command runs ``--runs`` times,
interleaved (one of each per round, so load changes hit all alike); the figure per command is the median CPU
of its runs, and the ratio column divides by the bare boto3 script's. The aws cli is used when ``--aws`` or
``aws`` on PATH finds one (``python3 -m venv /tmp/awscli && /tmp/awscli/bin/pip install awscli``).
``--baseline DIR`` adds the same ``config get`` run from other vegaops sources (e.g. a ``git archive`` of main) to
the same interleaved rounds, so a change is measured against its base under the same load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REGION = "eu-central-1"
NAME = "db_host"
PREFIX = "/vega/staging/"
CONFIG = f"""\
[project]
name = "vega"
region = "{REGION}"
default_env = "staging"

[env.staging]
cluster = "vega-staging"
"""

BOTO3_SCRIPT = f"""\
import boto3
ssm = boto3.client("ssm", region_name="{REGION}")
p = ssm.get_parameter(Name="{PREFIX}{NAME}", WithDecryption=True)["Parameter"]
print(p["Name"], p["Type"], p["Version"], p["LastModifiedDate"], p["Value"])
"""


def cpu_of(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """User + sys CPU seconds of one run of ``cmd`` (and its exit code)."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        err = proc.stderr.read()
        proc.stderr.close()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode(errors='replace')[-400:]}")
    return usage.ru_utime + usage.ru_stime, proc.returncode


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--aws", default=shutil.which("aws"), help="an aws cli executable (default: on PATH)")
    parser.add_argument("--append", type=Path, help="append the table as a section of this Markdown file")
    parser.add_argument("--label", default="", help="a word for the section title (e.g. before/after)")
    parser.add_argument(
        "--src", type=Path, help="time the vegaops sources in this directory (e.g. a `git archive` of a commit)"
    )
    parser.add_argument(
        "--baseline", type=Path, help="also time `config get` from the vegaops sources in this directory, interleaved"
    )
    args = parser.parse_args()
    if args.aws and "/.pyenv/shims/" in args.aws:  # a shim is a shell script: time the real executable
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True, check=False).stdout.strip()
        args.aws = real or args.aws

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log lines

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # PYTHONDONTWRITEBYTECODE is dropped: an installed vegaops has its .pyc files, as boto3 has (the warm-up
    # run writes them for an editable install; without them every run compiles vegaops' sources again).
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "VEGAOPS_")) and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
        },
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    }
    ssm = boto3.client(
        "ssm", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench"
    )
    ssm.put_parameter(Name=f"{PREFIX}{NAME}", Value="db.internal:5432", Type="String")

    vegaops = [str(Path(sys.executable).parent / "vegaops")]
    if args.src is not None:  # what the entry script does, from other sources
        env["PYTHONPATH"] = str(args.src.resolve())
        vegaops = [sys.executable, "-c", "import sys; from vegaops.main import main; sys.argv[0] = 'vegaops'; main()"]
    envs: dict[str, dict[str, str]] = {}  # a case's own environment, when not ``env``
    cases: dict[str, list[str]] = {
        "bare boto3 script: ssm.get_parameter": [sys.executable, "-c", BOTO3_SCRIPT],
        f"vegaops config get {NAME}": [*vegaops, "config", "get", NAME],
        f"vegaops -o json config get {NAME}": [*vegaops, "-o", "json", "config", "get", NAME],
        "vegaops --help": [*vegaops, "--help"],
        "python -c pass (interpreter alone)": [sys.executable, "-c", "pass"],
    }
    if args.baseline is not None:
        baseline_env = {**env, "PYTHONPATH": str(args.baseline.resolve())}
        entry = "import sys; from vegaops.main import main; sys.argv[0] = 'vegaops'; main()"
        cases[f"vegaops config get {NAME} (baseline {args.baseline})"] = [
            sys.executable,
            "-c",
            entry,
            "config",
            "get",
            NAME,
        ]
        envs[f"vegaops config get {NAME} (baseline {args.baseline})"] = baseline_env
    if args.aws:
        cases[f"aws ssm get-parameter --name {PREFIX}{NAME}"] = [
            args.aws,
            "ssm",
            "get-parameter",
            "--name",
            f"{PREFIX}{NAME}",
            "--with-decryption",
        ]
    with tempfile.TemporaryDirectory(prefix="vegaops-startup-") as tmp:
        cwd = Path(tmp)
        (cwd / "vegaops.toml").write_text(CONFIG, encoding="utf-8")
        for name, cmd in cases.items():  # warm the page cache and check that each command works
            cpu_of(cmd, cwd, envs.get(name, env))
        samples: dict[str, list[float]] = {name: [] for name in cases}
        started = time.monotonic()
        for _ in range(args.runs):
            for name, cmd in cases.items():
                samples[name].append(cpu_of(cmd, cwd, envs.get(name, env))[0])
        elapsed = time.monotonic() - started
    server.stop()

    base = statistics.median(samples["bare boto3 script: ssm.get_parameter"])
    load = os.getloadavg()[0]
    lines = [
        f"| command | median CPU (user+sys) of {args.runs} runs | min | vs bare boto3 |",
        "|---|---:|---:|---:|",
    ]
    for name, values in samples.items():
        median = statistics.median(values)
        lines.append(f"| `{name}` | {median * 1000:.0f} ms | {min(values) * 1000:.0f} ms | {median / base:.2f}x |")
    table = "\n".join(lines)
    print(table)
    print(f"\n{elapsed:.0f} s, load average {load:.1f}")
    if args.append:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        title = (
            f"start-up of a one-call AWS command: config get vs boto3{' (' + args.label + ')' if args.label else ''}"
        )
        aws_version = ""
        if args.aws:
            aws_version = subprocess.run([args.aws, "--version"], capture_output=True, text=True, check=False)
            aws_version = f"; {(aws_version.stdout or aws_version.stderr).strip()}"
        section = (
            f"\n## {title} ({when})\n\n"
            f"Command: `.venv/bin/python bench/startup.py --runs {args.runs}"
            f"{' --aws ' + args.aws if args.aws else ''}"
            f"{' --src ' + str(args.src) if args.src else ''}"
            f"{' --baseline ' + str(args.baseline) if args.baseline else ''}` (moto server in the benchmark process on "
            "127.0.0.1, its "
            f"CPU not counted; rounds interleaved; load average {load:.1f} on 2 cores{aws_version}).\n\n{table}\n"
        )
        with args.append.open("a", encoding="utf-8") as f:
            f.write(section)


if __name__ == "__main__":
    main()

"""Benchmark: push a generated ~200 MB 3-layer image into a local docker-registry, vegaops vs skopeo.

    .venv/bin/python bench/image_push.py [--rounds 3] [--mb 200] [--append bench/RESULTS.md]

Each round generates two fresh images of the same layer sizes (different content, so neither tool
benefits from the other's blobs), pushes one with vegaops' daemonless client (vegaops.images.registry,
4 parallel uploads, 16 MiB chunks) and one with ``skopeo copy oci:... docker://...`` into the same
registry (Debian's docker-registry on 127.0.0.1), then pushes each again (re-push). Reported: median
wall time of first push and re-push, and the layer bytes vegaops sent on the re-push.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.images.imagegen import write_oci  # noqa: E402

from vegaops.images import localregistry  # noqa: E402
from vegaops.images.registry import RegistryClient, push_image  # noqa: E402
from vegaops.images.source import load_source  # noqa: E402


def skopeo_copy(layout: Path, registry: str, repo: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            "skopeo",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            f"oci:{layout}:latest",
            f"docker://{registry}/{repo}:v1",
        ],
        check=True,
    )
    return time.perf_counter() - start


def vegaops_push(layout: Path, url: str, repo: str) -> tuple[float, int]:
    start = time.perf_counter()
    client = RegistryClient(url)
    push_image(client, repo, "v1", load_source("oci", str(layout)), workers=4)
    client.close()
    return time.perf_counter() - start, client.bytes_sent


def cli_push_times(layout: Path, registry_host: str, work: Path) -> tuple[float, float]:
    """The whole ``vegaops image push`` command (interpreter start, ECR calls over HTTP to a moto
    server, push), first push and re-push, into the same registry."""
    import os
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "NO_COLOR": "1",
        }
        import boto3

        boto3.client(
            "ecr",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="eu-central-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_repository(repositoryName="bench-cli")
        (work / "vegaops.toml").write_text(
            f'[project]\nname = "bench"\nregion = "eu-central-1"\necr_registry = "{registry_host}"\n\n'
            '[service.app]\necs_service = "app"\necr_repo = "bench-cli"\n'
        )
        exe = [str(Path(sys.executable).parent / "vegaops")]
        times = []
        for _ in range(2):
            start = time.perf_counter()
            subprocess.run(
                [*exe, "-q", "image", "push", "app", "--tag", "v1", "--source", f"oci:{layout}"],
                check=True,
                cwd=work,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - start)
        return times[0], times[1]
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--append", type=Path, default=None, help="append a results section to this file")
    args = parser.parse_args()
    if localregistry.available() is None or shutil.which("skopeo") is None:
        print("needs docker-registry and skopeo: apt-get install -y docker-registry skopeo", file=sys.stderr)
        return 2
    mb = 1024 * 1024
    sizes = [int(args.mb * 0.6) * mb, int(args.mb * 0.3) * mb, int(args.mb * 0.1) * mb]
    results: dict[str, list[float]] = {
        "vegaops first": [],
        "vegaops re-push": [],
        "skopeo first": [],
        "skopeo re-push": [],
    }
    repush_bytes: list[int] = []
    with tempfile.TemporaryDirectory(prefix="vegaops-bench-") as tmp:
        work = Path(tmp)
        registry = localregistry.start(work / "registry")
        try:
            for i in range(args.rounds):
                v_layout, s_layout = work / f"v{i}", work / f"s{i}"
                write_oci(v_layout, sizes, label=f"bench-v{i}")
                write_oci(s_layout, sizes, label=f"bench-s{i}")
                t, _ = vegaops_push(v_layout, registry.url, f"bench/vegaops{i}")
                results["vegaops first"].append(t)
                t, sent = vegaops_push(v_layout, registry.url, f"bench/vegaops{i}")
                results["vegaops re-push"].append(t)
                repush_bytes.append(sent)
                results["skopeo first"].append(skopeo_copy(s_layout, registry.host, f"bench/skopeo{i}"))
                results["skopeo re-push"].append(skopeo_copy(s_layout, registry.host, f"bench/skopeo{i}"))
                shutil.rmtree(v_layout)
                shutil.rmtree(s_layout)
            c_layout = work / "cli"
            write_oci(c_layout, sizes, label="bench-cli")
            cli_first, cli_repush = cli_push_times(c_layout, registry.host, work)
        finally:
            registry.stop()
    total = sum(sizes) / mb
    lines = [f"| {name} | {statistics.median(v):.2f} | {min(v):.2f} | {max(v):.2f} |" for name, v in results.items()]
    version = subprocess.run(["skopeo", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    report = "\n".join(
        [
            f"## image push: vegaops vs skopeo ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
            "",
            f"Command: `.venv/bin/python bench/image_push.py --rounds {args.rounds} --mb {args.mb}`",
            f"Image: OCI layout, 3 uncompressed layers ({', '.join(f'{s // mb} MiB' for s in sizes)}; "
            f"{total:.0f} MiB), "
            f"Debian docker-registry on 127.0.0.1 (filesystem storage), {version}, 2 cores.",
            "",
            "| run | median s | min s | max s |",
            "|---|---|---|---|",
            *lines,
            "",
            f"vegaops re-push layer bytes sent: {repush_bytes} (every blob 'already present' by HEAD).",
            "The vegaops rows time the push itself (vegaops.images.registry.push_image in-process); the whole",
            f"command `vegaops image push` (interpreter start + ECR calls to a moto server + push) took "
            f"{cli_first:.2f} s first and {cli_repush:.2f} s for the re-push (one run).",
            "",
        ]
    )
    print(report)
    if args.append:
        existing = args.append.read_text() if args.append.exists() else "# Benchmark results\n\n"
        args.append.write_text(existing.rstrip("\n") + "\n\n" + report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

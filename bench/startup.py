"""Start-up time: `vegaops --help` / `vegaops --version` against `aws --version` (median of N runs).

.venv/bin/python bench/startup.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def measure(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, capture_output=True, check=False)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    vegaops = str(Path(sys.executable).parent / "vegaops")
    cases = {
        "vegaops --help": [vegaops, "--help"],
        "vegaops --version": [vegaops, "--version"],
        "vegaops config --help": [vegaops, "config", "--help"],
    }
    aws = shutil.which("aws")
    if aws:
        cases["aws --version"] = [aws, "--version"]
    results = {name: measure(cmd, runs) for name, cmd in cases.items()}
    print(f"| command | median of {runs} runs |")
    print("|---|---|")
    for name, seconds in results.items():
        print(f"| `{name}` | {seconds * 1000:.0f} ms |")
    if "aws --version" in results:
        ratio = results["vegaops --help"] / results["aws --version"]
        print(f"\n`vegaops --help` takes {ratio:.2f}x the time of `aws --version`.")


if __name__ == "__main__":
    main()

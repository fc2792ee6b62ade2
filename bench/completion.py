"""Shell completion latency: one TAB = one `vegaops` process, as bash runs it (median and p95 of N runs).

.venv/bin/python bench/completion.py [N]

Starts a sandbox (speed 20) in a temporary state directory, fills the completion cache with one cold TAB
per listing (that one calls AWS), then times warm TABs for each kind of value, and for comparison a TAB
typer answers itself (a subcommand name) and `vegaops --help`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "environments (`--env <TAB>`)": "vegaops --env ",
    "services (`deploy <TAB>`)": "vegaops --env sandbox deploy ",
    "secret names (`secret get <TAB>`)": "vegaops --env sandbox secret get ",
    "parameter names (`config get <TAB>`)": "vegaops --env sandbox config get ",
    "image tags (`deploy api --tag <TAB>`)": "vegaops --env sandbox deploy api --tag ",
    "subcommands (`sec<TAB>`, typer's own path)": "vegaops --env sandbox sec",
}


def tab(vegaops: str, line: str, env: dict[str, str]) -> tuple[float, str]:
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    start = time.perf_counter()
    proc = subprocess.run(
        [vegaops],
        env={**env, "_VEGAOPS_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)},
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - start, proc.stdout


def measure(fn: object, runs: int) -> tuple[float, float]:
    times = sorted(fn() for _ in range(runs))  # type: ignore[operator]
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def main() -> None:
    from vegaops.sandbox.process import start

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    vegaops = str(Path(sys.executable).parent / "vegaops")
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        handle = start(speed=20.0, state_dir=state)
        env = {**os.environ, "VEGAOPS_STATE_DIR": str(state)}
        try:
            rows = []
            for name, line in CASES.items():
                cold, out = tab(vegaops, line, env)  # fills the cache
                median, p95 = measure(lambda line=line: tab(vegaops, line, env)[0], runs)
                rows.append((name, len(out.split()), cold, median, p95))
            help_median, help_p95 = measure(
                lambda: _timed([vegaops, "--help"], env),
                runs,
            )
        finally:
            handle.stop()
    load = os.getloadavg()[0]
    print(f"| TAB | candidates | first (cold) | warm median of {runs} | warm p95 |")
    print("|---|---|---|---|---|")
    for name, count, cold, median, p95 in rows:
        print(f"| {name} | {count} | {cold * 1000:.0f} ms | {median * 1000:.0f} ms | {p95 * 1000:.0f} ms |")
    print(f"| `vegaops --help` (reference) | - | - | {help_median * 1000:.0f} ms | {help_p95 * 1000:.0f} ms |")
    print(f"\nload average (1 min) at the end: {load:.2f}; {os.cpu_count()} cores")


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()

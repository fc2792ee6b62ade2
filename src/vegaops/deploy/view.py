"""The live view of a deploy on stderr: a rich table on a terminal, plain lines otherwise, NDJSON events
in json mode (stdout, before the final envelope)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vegaops.deploy.verdict import StoppedTask

if TYPE_CHECKING:
    from vegaops.deploy.watch import Tracked
    from vegaops.output.render import Output


def _row(t: Tracked, now: float) -> dict[str, Any]:
    obs = t.last
    ours = obs.find(t.deployment) if obs else None
    targets = obs.targets if obs else None
    healthy = sum(1 for x in targets or () if x.state == "healthy")
    return {
        "service": t.key, "deployment": t.deployment, "rollout": ours.rollout if ours else "-",
        "desired": ours.desired if ours else (obs.desired if obs else 0),
        "pending": ours.pending if ours else 0, "running": ours.running if ours else 0,
        "failed": ours.failed if ours else 0,
        "targets": f"{healthy}/{len(targets)} healthy" if targets is not None else "-",
        "elapsed": round((t.finished or now) - t.started, 1),
        "verdict": t.verdict.outcome if t.verdict else "watching",
    }


class DeployView:
    def __init__(self, output: Output) -> None:
        self.output = output
        self.json = output.json
        self.live: Any = None
        self.terminal = output.err.is_terminal and not output.quiet and not self.json
        self._last_lines: dict[str, str] = {}

    def _table(self, tracked: list[Tracked], now: float) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        for col in ("SERVICE", "DEPLOYMENT", "ROLLOUT", "DESIRED", "PENDING", "RUNNING", "FAILED", "TARGETS",
                    "ELAPSED", "STATE"):
            table.add_column(col)
        for t in tracked:
            r = _row(t, now)
            style = {"succeeded": "green", "watching": ""}.get(r["verdict"], "red")
            table.add_row(r["service"], r["deployment"], r["rollout"], str(r["desired"]), str(r["pending"]),
                          str(r["running"]), str(r["failed"]), r["targets"], f"{r['elapsed']:.0f}s", r["verdict"],
                          style=style)
        return table

    def update(self, tracked: list[Tracked], now: float) -> None:
        if self.json:
            for t in tracked:
                row = _row(t, now)
                key = repr({k: v for k, v in row.items() if k != "elapsed"})
                if self._last_lines.get(t.key) != key:
                    self._last_lines[t.key] = key
                    self.output.event({"event": "state", **row})
            return
        if self.output.quiet:
            return
        if self.terminal:
            from rich.live import Live

            if self.live is None:
                self.live = Live(self._table(tracked, now), console=self.output.err, auto_refresh=False)
                self.live.start()
            self.live.update(self._table(tracked, now), refresh=True)
            return
        for t in tracked:
            r = _row(t, now)
            line = (f"{r['service']}  {r['deployment']}  {r['rollout']}  running {r['running']}/{r['desired']}  "
                    f"pending {r['pending']}  failed {r['failed']}  targets {r['targets']}  {r['verdict']}")
            if self._last_lines.get(t.key) != line:
                self._last_lines[t.key] = line
                self.output.info(f"[{r['elapsed']:5.1f}s] {line}")

    def _print(self, message: str, style: str = "") -> None:
        if self.json or self.output.quiet:
            return
        console = self.live.console if self.live is not None else self.output.err
        console.print(message, style=style, markup=False, highlight=False)

    def event(self, t: Tracked, message: str) -> None:
        if self.json:
            self.output.event({"event": "service_event", "service": t.key, "message": message})
            return
        self._print(f"{t.key}: {message}", "dim")

    def stopped(self, t: Tracked, task: StoppedTask, log_lines: list[str]) -> None:
        if self.json:
            self.output.event({"event": "task_stopped", "service": t.key, "task": task.id, "cause": task.cause,
                               "stop_code": task.stop_code, "reason": task.reason,
                               "exit_codes": list(task.exit_codes), "log_tail": log_lines})
            return
        if task.cause is None:
            return
        codes = ", ".join(str(c) for c in task.exit_codes if c is not None)
        self._print(f"{t.key}: task {task.id[:8]} stopped: {task.reason}" + (f" (exit {codes})" if codes else ""),
                    "red")
        for line in log_lines:
            self._print(f"    | {line}", "dim")

    def note(self, t: Tracked, message: str) -> None:
        if self.json:
            self.output.event({"event": "note", "service": t.key, "message": message})
            return
        self._print(f"{t.key}: {message}", "yellow")

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

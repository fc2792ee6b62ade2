"""The live view of a watch: a rich table on a terminal (stderr), plain lines otherwise, NDJSON in json mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vegaops.output.humanize import duration

if TYPE_CHECKING:
    from rich.live import Live

    from vegaops.context import AppContext


def rollout(r: dict[str, Any]) -> str:
    state = str(r.get("rollout_state") or "-")
    if r.get("primary") and r.get("primary") != r.get("deployment"):
        state += f" (primary {r.get('primary_task_definition')})"
    stage = _stage(r)
    return f"{state} {stage}" if stage else state


def _stage(r: dict[str, Any]) -> str:
    """Blue/green, linear, canary: the lifecycle stage, weights, step, bake left, hooks (empty otherwise)."""
    from vegaops.deploy.strategy import summary

    return summary(r)


def _n(value: Any) -> str:
    return "-" if value is None else str(value)


def _targets(targets: dict[str, int] | None) -> str:
    if not targets:
        return "-"
    return " ".join(f"{n} {s}" for s, n in sorted(targets.items()))


class LiveView:
    """Receives watcher events. ``event`` is the callback handed to the watcher."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.out = ctx.output
        self.rows: dict[str, dict[str, Any]] = {}
        self.live: Live | None = None
        self.events: list[dict[str, Any]] = []
        self.done: set[str] = set()  # services with a verdict: their clock stops

    @property
    def ticker(self) -> Callable[[float], None] | None:
        """``tick`` when there is a live table whose clock should move (a terminal); None otherwise, so the
        watch sleeps in one piece when nothing would show the ticks (plain lines, JSON, quiet)."""
        out = self.out
        return self.tick if not out.json and not out.quiet and out.err.is_terminal else None

    def tick(self, elapsed: float) -> None:
        """Between polls (the watcher calls it through its clock): the table's clock keeps moving."""
        for name, row in self.rows.items():
            if name not in self.done:
                row["elapsed"] = max(float(row.get("elapsed") or 0.0), elapsed)
        if self.live is not None:
            self.live.update(self._table())

    def __enter__(self) -> LiveView:
        return self

    def _start_live(self) -> None:
        out = self.out
        if self.live is None and not out.json and not out.quiet and out.err.is_terminal:
            from rich.live import Live

            self.live = Live(self._table(), console=out.err, refresh_per_second=4, transient=False)
            self.live.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(None, None, None)
            self.live = None

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, header_style="bold")
        for col in ("service", "deployment", "rollout", "running", "pending", "failed", "targets", "elapsed"):
            table.add_column(col, no_wrap=True)
        for name, r in self.rows.items():
            dep = str(r.get("deployment") or "-")
            state, counts = rollout(r), r
            if r.get("rollout_state") == "GONE" and r.get("primary"):
                # ours was replaced (rolled back): the row says what runs now, not "GONE 0/2"
                dep = str(r["primary"])
                state = f"rolled back to {r.get('primary_task_definition')} ({r.get('primary_rollout_state') or '-'})"
                counts = {
                    "running": r.get("primary_running"),
                    "desired": r.get("primary_desired"),
                    "pending": r.get("primary_pending"),
                }
            table.add_row(
                name,
                "…" + dep[-8:] if len(dep) > 12 else dep,
                state,
                f"{_n(counts.get('running'))}/{_n(counts.get('desired'))}",
                _n(counts.get("pending")),
                _n(r.get("failed")),
                _targets(r.get("targets")),
                duration(r.get("elapsed") or 0),
            )
        return table

    def _line(self, text: str, style: str = "") -> None:
        if self.out.quiet:
            return
        if self.live is not None:
            self.live.console.print(text, style=style, markup=False, highlight=False)
        else:
            self.out.err.print(text, style=style, markup=False, highlight=False)

    def event(self, e: dict[str, Any]) -> None:
        self.events.append(e)
        if self.out.json:
            at = self.ctx.clock.now().isoformat()
            self.out.event({"at": at, **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in e.items()}})
            return
        kind = e.get("event")
        svc = e.get("service", "")
        if kind == "state":
            self.rows[svc] = dict(e)
            self._start_live()
            if self.live is not None:
                self.live.update(self._table())
                return
            primary = ""
            if e.get("primary") and e.get("primary") != e.get("deployment"):
                primary = f" | primary {e['primary']} ({e.get('primary_task_definition')})"
                if e.get("primary_running") is not None:
                    primary += f" running {e.get('primary_running')}/{e.get('primary_desired')}"
            self._line(
                f"{svc}: {e.get('deployment')} {e.get('rollout_state') or '-'} desired {e.get('desired')} "
                f"pending {e.get('pending')} running {e.get('running')} failed {e.get('failed')} "
                f"targets {_targets(e.get('targets'))}{primary}"
                + (f" | {e.get('strategy')} {_stage(e)}" if _stage(e) else "")
                + f" [{duration(e.get('elapsed') or 0)}]"
            )
        elif kind == "service_event":
            self._line(f"{svc}: event: {e.get('message')}", "dim")
        elif kind == "tasks_stopped":
            codes = f" exit codes {', '.join(map(str, e['exit_codes']))}" if e.get("exit_codes") else ""
            self._line(f"{svc}: {e.get('count')} task(s) stopped: {e.get('reason')}{codes}", "yellow")
            for line in e.get("log_tail", []) or []:
                self._line(f"    | {line}", "dim")
        elif kind == "paused":
            self._line(f"{svc}: {e.get('message')}", "yellow")
        elif kind == "failing":
            self._line(f"{svc}: FAILING FAST: {e.get('reason')}", "red")
        elif kind == "rollback_started":
            self._line(f"{svc}: rollback started by vegaops ({e.get('how')})", "yellow")
        elif kind == "verdict":
            self.done.add(str(svc))
            if svc in self.rows and e.get("elapsed") is not None:
                self.rows[svc]["elapsed"] = e["elapsed"]
            style = "green" if e.get("outcome") in ("succeeded", "reached") else "red"
            self._line(
                f"{svc}: {str(e.get('outcome')).replace('_', ' ')} after {duration(e.get('elapsed') or 0)}: "
                + "; ".join(e.get("reasons", [])),
                style,
            )
        elif kind == "info":
            self._line(f"{svc}: {e.get('message')}")

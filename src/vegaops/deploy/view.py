"""What the live view of a watch shows: a row per service (the last state event, fields by name) and a line per
event. How it is drawn is ``ctx.output``'s (``vegaops.output.live``: a table on a terminal's stderr, plain lines
otherwise); in json mode every event is one NDJSON line instead.

Columns are data (:data:`COLUMNS`: a header and a function of the row), so a feature that adds a field to the
state events (a stage, a strategy's step) adds a :class:`Column` reading it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vegaops.output.humanize import duration

if TYPE_CHECKING:
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


def _replaced(r: dict[str, Any]) -> bool:
    """Ours was replaced (rolled back): the row says what runs now, not "GONE 0/2"."""
    return r.get("rollout_state") == "GONE" and bool(r.get("primary"))


def _deployment(r: dict[str, Any]) -> str:
    dep = str(r["primary"]) if _replaced(r) else str(r.get("deployment") or "-")
    return "…" + dep[-8:] if len(dep) > 12 else dep


def _rollout_cell(r: dict[str, Any]) -> str:
    if _replaced(r):
        return f"rolled back to {r.get('primary_task_definition')} ({r.get('primary_rollout_state') or '-'})"
    return rollout(r)


def _count(r: dict[str, Any], field: str) -> Any:
    return r.get(f"primary_{field}") if _replaced(r) else r.get(field)


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[str, dict[str, Any]], str]  # (service, row) -> the text shown


COLUMNS: tuple[Column, ...] = (
    Column("service", lambda name, r: name),
    Column("deployment", lambda name, r: _deployment(r)),
    Column("rollout", lambda name, r: _rollout_cell(r)),
    Column("running", lambda name, r: f"{_n(_count(r, 'running'))}/{_n(_count(r, 'desired'))}"),
    Column("pending", lambda name, r: _n(_count(r, "pending"))),
    Column("failed", lambda name, r: _n(r.get("failed"))),
    Column("targets", lambda name, r: _targets(r.get("targets"))),
    Column("elapsed", lambda name, r: duration(r.get("elapsed") or 0)),
)


class LiveView:
    """Receives watcher events. ``event`` is the callback handed to the watcher."""

    def __init__(self, ctx: AppContext, columns: tuple[Column, ...] = COLUMNS) -> None:
        self.ctx = ctx
        self.out = ctx.output
        self.columns = columns
        self.rows: dict[str, dict[str, Any]] = {}
        self.table = ctx.output.live([c.header for c in columns])
        self.events: list[dict[str, Any]] = []
        self.done: set[str] = set()  # services with a verdict: their clock stops

    @property
    def ticker(self) -> Callable[[float], None] | None:
        """``tick`` when there is a live table whose clock should move (a terminal); None otherwise, so the
        watch sleeps in one piece when nothing would show the ticks (plain lines, JSON, quiet)."""
        return self.tick if self.table.drawable else None

    def tick(self, elapsed: float) -> None:
        """Between polls (the watcher calls it through its clock): the table's clock keeps moving."""
        for name, row in self.rows.items():
            if name not in self.done:
                row["elapsed"] = max(float(row.get("elapsed") or 0.0), elapsed)
        self.table.update(self.cells())

    def cells(self) -> list[list[str]]:
        """The table as text: a row per service, a cell per column."""
        return [[c.cell(name, r) for c in self.columns] for name, r in self.rows.items()]

    def __enter__(self) -> LiveView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.table.close(self.cells())

    def _line(self, text: str, style: str = "") -> None:
        self.table.line(text, style)

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
            if self.table.start(self.cells()):
                self.table.update(self.cells())
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

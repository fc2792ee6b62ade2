"""Human (rich) and JSON rendering. stdout carries results, stderr carries progress and chatter."""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from vegaops.output.result import Fields, Lines, Result, Reveal, Table, View
from vegaops.sensitive import Sensitive, redact

if TYPE_CHECKING:
    from rich.console import Console


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Sensitive):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def to_json(obj: object, indent: int | None = None) -> str:
    return json.dumps(redact(obj), default=_json_default, indent=indent, sort_keys=False)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


class Output:
    """Everything vegaops shows goes through here.

    ``mode`` is ``human`` or ``json``. In json mode stdout receives exactly one envelope per command
    (or NDJSON events followed by the envelope for streaming commands); chatter goes to stderr.
    """

    def __init__(
        self,
        mode: str = "human",
        quiet: bool = False,
        verbose: int = 0,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.mode = mode
        self.quiet = quiet
        self.verbose = verbose
        self._stdout = stdout
        self._stderr = stderr
        self._out: Console | None = None
        self._err: Console | None = None
        self.last: Result | None = None  # the command's final result, for vegaops.ci.finish

    @property
    def json(self) -> bool:
        return self.mode == "json"

    @property
    def stdout(self) -> IO[str]:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> IO[str]:
        return self._stderr or sys.stderr

    def _console(self, stream: IO[str]) -> Console:
        from rich.console import Console

        no_color = bool(os.environ.get("NO_COLOR"))
        terminal = stream.isatty() if hasattr(stream, "isatty") else False
        return Console(
            width=None if terminal or os.environ.get("COLUMNS") else 4096,
            file=stream,
            highlight=False,
            soft_wrap=True,
            no_color=no_color,
            color_system=None if no_color else "auto",
        )

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = self._console(self.stdout)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = self._console(self.stderr)
        return self._err

    # chatter (stderr) -------------------------------------------------------------------------
    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message, markup=False)

    def note(self, message: str, style: str = "dim") -> None:
        if not self.quiet:
            self.err.print(message, style=style, markup=False)

    def warn(self, message: str) -> None:
        self.err.print(f"warning: {message}", style="yellow", markup=False)

    def debug(self, message: str) -> None:
        if self.verbose > 0:
            self.err.print(message, style="dim", markup=False)

    def workflow_command(self, line: str) -> None:
        """A CI workflow command (``::error::...``), verbatim on stderr: stdout stays the result."""
        self.stderr.write(line + "\n")
        self.stderr.flush()

    def event(self, obj: dict[str, Any]) -> None:
        """One NDJSON line on stdout (json mode only): for streams of state changes or log events."""
        self.stdout.write(to_json(obj) + "\n")
        self.stdout.flush()

    # results (stdout) -------------------------------------------------------------------------
    def result(self, result: Result) -> None:
        self.last = result
        if self.json:
            self.stdout.write(to_json(result.envelope()) + "\n")
            self.stdout.flush()
            return
        for view in result.views:
            self._view(view)
        if result.message and not self.quiet:
            style = "green" if result.exit_code == 0 else "red"
            target = self.out if result.exit_code == 0 else self.err
            target.print(result.message, style=style, markup=False)
        for error in result.errors:
            self._error_line(error)

    def _view(self, view: View) -> None:
        from rich import box
        from rich.table import Table as RichTable
        from rich.text import Text

        if isinstance(view, Reveal):
            self.stdout.write(view.value + "\n")
            self.stdout.flush()
        elif isinstance(view, Lines):
            for line in view.lines:
                self.out.print(Text(line))
        elif isinstance(view, Fields):
            if view.title:
                self.out.print(Text(view.title, style="bold"))
            width = max((len(k) for k, _ in view.pairs), default=0)
            for key, value in view.pairs:
                self.out.print(Text(f"{key.ljust(width)}  {_cell(redact(value))}"))
        elif isinstance(view, Table):
            terminal = self.out.is_terminal
            table = RichTable(
                title=view.title if terminal else None,
                box=box.SIMPLE_HEAD if terminal else None,
                show_edge=False,
                pad_edge=False,
                header_style="bold" if terminal else "",
            )
            for column in view.columns:
                table.add_column(column, overflow="fold")
            for row in view.rows:
                table.add_row(*(Text(_cell(redact(cell))) for cell in row))
            if view.title and not terminal:
                self.out.print(Text(view.title))
            self.out.print(table)

    def _error_line(self, error: dict[str, Any]) -> None:
        self.err.print(f"error: {error.get('message')}", style="red", markup=False)
        if error.get("hint"):
            self.err.print(f"hint: {error['hint']}", style="yellow", markup=False)

    def failure(self, result: Result) -> None:
        """Render a failed command: the envelope in json mode, one line + hint otherwise."""
        self.last = result
        if self.json:
            self.result(result)
            return
        for view in result.views:
            self._view(view)
        for error in result.errors:
            self._error_line(error)

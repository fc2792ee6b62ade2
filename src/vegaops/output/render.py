"""Human (rich) and JSON rendering. stdout carries results, stderr carries progress and chatter.

rich is imported only when something needs it: a stream that is a terminal (styles, live views) or a table.
Text for a stream that is not a terminal is written as rich would write it there (no styles, control codes
stripped, tabs expanded to 8-cell stops), which spares a one-call command's start-up the import of rich.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
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


_CONTROL = {7: None, 8: None, 11: None, 12: None, 13: None}  # what rich strips from text it prints


def _plain(stream: IO[str]) -> bool:
    """True when rich would print to ``stream`` without styles or cursor control: not a terminal, and no
    FORCE_COLOR / TTY_COMPATIBLE=1 telling it to act as one."""
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return False
    try:
        return not stream.isatty()
    except (AttributeError, ValueError, OSError):
        return True


def _cells(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cc", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def plain_text(text: str) -> str:
    """``text`` as rich prints it to a file: control codes stripped, tabs expanded to 8-cell stops."""
    text = text.translate(_CONTROL)
    if "\t" not in text:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        column, parts = 0, []
        for ch in line:
            if ch == "\t":
                pad = 8 - column % 8
                parts.append(" " * pad)
                column += pad
            else:
                parts.append(ch)
                column += _cells(ch)
        out.append("".join(parts))
    return "\n".join(out)


FIT = 120  # columns a human view is laid out for

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?$")


def _cell(value: Any, verbose: int = 0) -> str:
    """One value as a person reads it: ``-`` for nothing, local times to the second (a stored ISO string
    too), and an ARN by its short name unless ``-v`` (JSON always carries the full value)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v, verbose) for v in value) or "-"
    if isinstance(value, str):
        if _ISO_TIME.match(value):
            try:
                return _cell(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return value
        if not verbose and value.startswith("arn:"):
            from vegaops.output.humanize import short_arn

            return str(short_arn(value))
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

    def _print(self, text: str, style: str | None = None, err: bool = True) -> None:
        """One line of text (no markup): written directly where rich would add nothing, else through rich."""
        stream = self.stderr if err else self.stdout
        if _plain(stream):
            stream.write(plain_text(text) + "\n")
            stream.flush()
            return
        from rich.text import Text

        (self.err if err else self.out).print(Text(text, style=style or ""))

    # chatter (stderr) -------------------------------------------------------------------------
    def info(self, message: str) -> None:
        if not self.quiet:
            self._print(message)

    def note(self, message: str, style: str = "dim") -> None:
        if not self.quiet:
            self._print(message, style)

    def warn(self, message: str) -> None:
        self._print(f"warning: {message}", "yellow")

    def debug(self, message: str) -> None:
        if self.verbose > 0:
            self._print(message, "dim")

    def workflow_command(self, line: str) -> None:
        """A CI workflow command (``::error::...``), verbatim on stderr: stdout stays the result."""
        self.stderr.write(line + "\n")
        self.stderr.flush()

    def line(self, text: str) -> None:
        """One line of a stream's content on stdout, as is (a task's log line, an ARN for scripts)."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

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
            ok = result.exit_code == 0
            self._print(result.message, "green" if ok else "red", err=not ok)
        for error in result.errors:
            self._error_line(error)

    def _view(self, view: View) -> None:
        if isinstance(view, Reveal):
            self.stdout.write(view.value + "\n")
            self.stdout.flush()
        elif isinstance(view, Lines):
            for line in view.lines:
                self._print(line, err=False)
        elif isinstance(view, Fields):
            if view.title:
                self._print(view.title, "bold", err=False)
            width = max((len(k) for k, _ in view.pairs), default=0)
            for key, raw in view.pairs:
                value = redact(raw)
                line = f"{key.ljust(width)}  {_cell(value, self.verbose)}"
                if len(line) > FIT and isinstance(value, list | tuple) and len(value) > 1:
                    # a list too long for one line: one item a line, under the first
                    items = [_cell(v, self.verbose) for v in value]
                    line = "\n".join(f"{(key if i == 0 else '').ljust(width)}  {item}" for i, item in enumerate(items))
                self._print(line, err=False)
        elif isinstance(view, Table):
            from rich import box
            from rich.table import Table as RichTable
            from rich.text import Text

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
                table.add_row(*(Text(_cell(redact(cell), self.verbose)) for cell in row))
            if view.title and not terminal:
                self.out.print(Text(view.title))
            self.out.print(table)

    def _error_line(self, error: dict[str, Any]) -> None:
        self._print(f"error: {error.get('message')}", "red")
        if error.get("hint"):
            self._print(f"hint: {error['hint']}", "yellow")

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

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
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from vegaops.output.result import Fields, Lines, Result, Reveal, Table, View
from vegaops.sensitive import Sensitive, redact

if TYPE_CHECKING:
    from rich.console import Console

    from vegaops.output.live import LiveTable
    from vegaops.output.progress import Transfers


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
    def _stdout_stream(self) -> IO[str]:
        return self._stdout or sys.stdout

    @property
    def _stderr_stream(self) -> IO[str]:
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

    # The consoles never leave this package: what is drawn on them (tables, live views, progress bars) is a
    # method of this class or an object of output/ built by one.
    def _out_console(self) -> Console:
        if self._out is None:
            self._out = self._console(self._stdout_stream)
        return self._out

    def _err_console(self) -> Console:
        if self._err is None:
            self._err = self._console(self._stderr_stream)
        return self._err

    @property
    def stdout_isatty(self) -> bool:
        """stdout is a terminal (a person reads it, nothing captures it)."""
        try:
            return bool(self._stdout_stream.isatty())
        except (AttributeError, ValueError):
            return False

    @property
    def stderr_terminal(self) -> bool:
        """stderr is a terminal rich draws on (live tables, progress bars): a tty, FORCE_COLOR or TTY_COMPATIBLE."""
        return self._err_console().is_terminal

    def live(self, columns: Sequence[str]) -> LiveTable:
        """A table redrawn in place on stderr with lines above it (drawn only on a terminal, human, not quiet)."""
        from vegaops.output.live import LiveTable

        return LiveTable(self, columns)

    def progress(self) -> Transfers | None:
        """Progress of transfers on stderr: bars on a terminal, a line per item otherwise; None with --quiet."""
        if self.quiet:
            return None
        from vegaops.output.progress import TransferBars, TransferLines

        return TransferBars(self) if self.stderr_terminal else TransferLines(self)

    def lines(self) -> LineStream:
        """A stream of result lines on stdout, written as given (log lines, NDJSON), flushed per batch."""
        return LineStream(self._stdout_stream, self._stderr_stream)

    def text(self, text: str) -> None:
        """A document on stdout exactly as given (an export the user pipes into a file)."""
        self._stdout_stream.write(text)
        self._stdout_stream.flush()

    def _print(self, text: str, style: str | None = None, err: bool = True) -> None:
        """One line of text (no markup): written directly where rich would add nothing, else through rich."""
        stream = self._stderr_stream if err else self._stdout_stream
        if _plain(stream):
            stream.write(plain_text(text) + "\n")
            stream.flush()
            return
        from rich.text import Text

        (self._err_console() if err else self._out_console()).print(Text(text, style=style or ""))

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
        self.say(line)

    def say(self, line: str) -> None:
        """One line on stderr as given, even with --quiet (a prompt asking again, a workflow command)."""
        self._stderr_stream.write(line + "\n")
        self._stderr_stream.flush()

    def traceback(self, exc: BaseException) -> None:
        """The traceback of an error (``--debug``), on stderr."""
        import traceback

        traceback.print_exception(exc, file=self._stderr_stream)

    def end_echoed_line(self) -> None:
        """A newline on a terminal's stderr: past the ``^C`` the terminal echoed."""
        if self._stderr_stream.isatty():
            self._stderr_stream.write("\n")

    def line(self, text: str) -> None:
        """One line of a stream's content on stdout, as is (a task's log line, an ARN for scripts)."""
        self._stdout_stream.write(text + "\n")
        self._stdout_stream.flush()

    def event(self, obj: dict[str, Any]) -> None:
        """One NDJSON line on stdout (json mode only): for streams of state changes or log events."""
        self._stdout_stream.write(to_json(obj) + "\n")
        self._stdout_stream.flush()

    # results (stdout) -------------------------------------------------------------------------
    def result(self, result: Result) -> None:
        self.last = result
        if self.json:
            self._stdout_stream.write(to_json(result.envelope()) + "\n")
            self._stdout_stream.flush()
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
            self._stdout_stream.write(view.value + "\n")
            self._stdout_stream.flush()
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

            terminal = self._out_console().is_terminal
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
                self._out_console().print(Text(view.title))
            self._out_console().print(table)

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


class LineStream:
    """Result lines on stdout as given (the caller formats them: log lines, NDJSON objects), flushed when the
    caller says a batch is done; notes between them (markers) on stderr, flushed at once."""

    def __init__(self, stdout: IO[str], stderr: IO[str]) -> None:
        self._stdout = stdout
        self._stderr = stderr

    @property
    def isatty(self) -> bool:
        try:
            return bool(self._stdout.isatty())
        except (AttributeError, ValueError):
            return False

    def line(self, text: str) -> None:
        self._stdout.write(text + "\n")

    def flush(self) -> None:
        self._stdout.flush()

    def note(self, text: str) -> None:
        self._stderr.write(text + "\n")
        self._stderr.flush()

"""A table redrawn in place on stderr (rich's Live) with lines printed above it: the deploy watch's live view.

Whoever shows something live (``vegaops.deploy.view``) decides *what* (columns and cells as text); this module
decides *how*: a borderless table with a bold header on a terminal, nothing drawn otherwise (plain lines only),
and every line through the same console the table is drawn on, so lines land above the table, not inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.live import Live

    from vegaops.output.render import Output


class LiveTable:
    """A live table of text cells on stderr. ``drawable``: a terminal, human output, not ``--quiet``."""

    def __init__(self, output: Output, columns: Sequence[str]) -> None:
        self._output = output
        self._columns = tuple(columns)
        self._live: Live | None = None

    @property
    def drawable(self) -> bool:
        out = self._output
        return not out.json and not out.quiet and out.stderr_terminal

    @property
    def drawn(self) -> bool:
        """The table is on the screen (started and not closed)."""
        return self._live is not None

    def start(self, rows: Sequence[Sequence[str]]) -> bool:
        """Draw the table (once, when drawable); True when it is on the screen."""
        if self._live is None and self.drawable:
            from rich.live import Live

            self._live = Live(
                self._table(rows), console=self._output._err_console(), refresh_per_second=4, transient=False
            )
            self._live.__enter__()
        return self._live is not None

    def update(self, rows: Sequence[Sequence[str]]) -> None:
        if self._live is not None:
            self._live.update(self._table(rows))

    def close(self, rows: Sequence[Sequence[str]]) -> None:
        """Draw the last state and leave it on the screen."""
        if self._live is not None:
            self._live.update(self._table(rows))
            self._live.__exit__(None, None, None)
            self._live = None

    def line(self, text: str, style: str = "") -> None:
        """One line of chatter (no markup), above the table when one is drawn; nothing with ``--quiet``."""
        if self._output.quiet:
            return
        console = self._live.console if self._live is not None else self._output._err_console()
        console.print(text, style=style, markup=False, highlight=False)

    def _table(self, rows: Sequence[Sequence[str]]) -> Any:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in self._columns:
            table.add_column(column, no_wrap=True)
        for row in rows:
            table.add_row(*row)
        return table

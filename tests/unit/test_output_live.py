"""The output object draws the live table, the transfer progress and the line streams (issue 14 item 4)."""

from __future__ import annotations

import io

import pytest

from vegaops.context import AppContext
from vegaops.deploy.view import COLUMNS, Column, LiveView
from vegaops.output.render import Output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def test_no_table_without_a_terminal_lines_only() -> None:
    err = io.StringIO()
    table = Output("human", stderr=err).live(["service", "state"])
    assert not table.drawable and not table.start([["api", "IN_PROGRESS"]]) and not table.drawn
    table.line("api: started")
    table.close([["api", "COMPLETED"]])
    assert err.getvalue() == "api: started\n"


def test_quiet_and_json_draw_nothing() -> None:
    for output in (Output("human", quiet=True, stderr=Terminal()), Output("json", stderr=Terminal())):
        table = output.live(["service"])
        assert not table.drawable and not table.start([["api"]])
    quiet_err = Terminal()
    Output("human", quiet=True, stderr=quiet_err).live(["service"]).line("api: started")
    assert quiet_err.getvalue() == ""


def test_on_a_terminal_the_last_table_stays_with_lines_above_it() -> None:
    err = Terminal()
    table = Output("human", stderr=err).live(["service", "state"])
    assert table.drawable and table.start([["api", "IN_PROGRESS"]]) and table.drawn
    table.line("api: a line above the table")
    table.close([["api", "COMPLETED"]])
    assert not table.drawn
    text = err.getvalue()
    assert "a line above the table" in text
    assert text.rindex("COMPLETED") > text.rindex("a line above the table")


def test_a_column_added_to_the_view_model_is_drawn() -> None:
    err = Terminal()
    stage = Column("stage", lambda name, row: str(row.get("stage") or "-"))
    view = LiveView(AppContext(output=Output("human", stderr=err)), columns=(*COLUMNS, stage))
    with view:
        view.event({"event": "state", "service": "vega-api", "deployment": "d", "stage": "canary 10%"})
    assert view.cells()[0][-1] == "canary 10%"
    assert "stage" in err.getvalue() and "canary 10%" in err.getvalue()


def test_transfer_progress_is_a_line_per_item_without_a_terminal() -> None:
    err = io.StringIO()
    transfers = Output("human", stderr=err).progress()
    assert transfers is not None
    with transfers:
        transfers.start("sha256:1", "layer 0123456789ab", 1234)
        transfers.advance("sha256:1", 1000)
        transfers.finish("sha256:1", "uploaded")
    assert err.getvalue() == "layer 0123456789ab (1,234 bytes): uploaded\n"
    assert Output("human", quiet=True).progress() is None


def test_a_line_stream_writes_as_given_and_notes_go_to_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    stream = Output("human", stdout=out, stderr=err).lines()
    stream.line("2026-01-01 api | hello\tworld")
    stream.note("--- new task ---")
    stream.flush()
    assert out.getvalue() == "2026-01-01 api | hello\tworld\n" and err.getvalue() == "--- new task ---\n"
    assert not stream.isatty

from __future__ import annotations

import io
import json

from vegaops.output.render import Output
from vegaops.output.result import ENVELOPE_KEYS, SCHEMA, Fields, Result, Reveal, Table
from vegaops.sensitive import Sensitive, fingerprint, mask


def test_envelope_keys_are_pinned() -> None:
    envelope = Result("config get").envelope()
    assert tuple(envelope) == ENVELOPE_KEYS == ("schema", "command", "status", "exit_code", "changes", "data", "errors")
    assert envelope["schema"] == SCHEMA == "vegaops.result/v1"


def test_json_mode_prints_exactly_one_envelope_and_masks_sensitive() -> None:
    out, err = io.StringIO(), io.StringIO()
    Output("json", stdout=out, stderr=err).result(
        Result(
            "x",
            data={"value": Sensitive("hunter2"), "items": [Sensitive("s3")]},
            views=[Table(["A"], [["b"]])],
            message="done",
        )
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert "hunter2" not in out.getvalue() and doc["data"]["value"] == mask("hunter2")
    assert err.getvalue() == ""


def test_human_mode_results_on_stdout_and_reveal_alone() -> None:
    out, err = io.StringIO(), io.StringIO()
    o = Output("human", stdout=out, stderr=err)
    o.result(Result("x", views=[Fields([("secret", Sensitive("hunter2"))])]))
    assert "hunter2" not in out.getvalue() and fingerprint("hunter2") in out.getvalue()
    o.result(Result("x", views=[Reveal("hunter2")]))
    assert out.getvalue().splitlines()[-1] == "hunter2"
    o.info("progress")
    assert "progress" in err.getvalue() and "progress" not in out.getvalue()


def test_plain_output_when_not_a_tty() -> None:
    out = io.StringIO()
    Output("human", stdout=out, stderr=io.StringIO()).result(Result("x", views=[Table(["A", "B"], [["1", "2"]])]))
    assert "\x1b[" not in out.getvalue()
    assert out.getvalue().split() == ["A", "B", "1", "2"]


def test_sensitive_never_renders_its_value() -> None:
    s = Sensitive("correct horse")
    assert "correct" not in str(s) and "correct" not in repr(s) and "correct" not in f"{s}"


TRICKY = [
    "plain",
    "tab\there\tx",
    "trail   ",
    "cr\rx and bell\x07 and vt\x0b ff\x0c bs\x08",
    "esc\x1b[31mred",
    "[bold]not markup[/]",
    "wide 漢字\tx",
    "",
    "two\nlines\twith tabs",
    "e\u0301\tcombining",
]


def test_text_to_a_file_is_written_as_rich_would_write_it() -> None:
    """Without a terminal, Output writes text itself (rich is not imported); byte for byte what rich printed."""
    from rich.console import Console
    from rich.text import Text

    for text in TRICKY:
        out, err = io.StringIO(), io.StringIO()
        o = Output("human", stdout=out, stderr=err)
        o.result(Result("x", views=[Fields([("key", text)], title=text)], message=text))
        o.warn(text)
        want_out, want_err = io.StringIO(), io.StringIO()
        for stream, lines in (
            (want_out, [text, f"key  {text}", text] if text else [f"key  {text}"]),
            (want_err, [f"warning: {text}"]),
        ):
            console = Console(width=4096, file=stream, highlight=False, soft_wrap=True, color_system="auto")
            for line in lines:
                console.print(Text(line))
        assert (out.getvalue(), err.getvalue()) == (want_out.getvalue(), want_err.getvalue()), repr(text)

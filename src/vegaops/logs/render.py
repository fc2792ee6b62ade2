"""Time windows and the human line format: time, short task id and container, colour per task.

This module only builds strings; ``output/`` prints them (``ctx.output.lines()``). The colours are plain ANSI
SGR sequences written here by hand rather than rich markup: a back-fill of 100,000 lines (``bench/logs.py``)
then costs one string format per line, where rich would parse and render every line. ``colour`` is off when
stdout is not a terminal, with ``NO_COLOR`` and with ``-o json`` (``logs/tail.py``), so piped lines are as stored.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from vegaops.logs.core import LogEvent, Marker


def parse_time(value: str, now: datetime, option: str = "--since") -> datetime:
    """``10m``, ``2h``, ``1d``, ``30s`` (ago) or an ISO 8601 time: the one parser in vegaops.inputs."""
    from vegaops.inputs import parse_time as parse

    return parse(value, now, option)


def ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


_TASK_COLOURS = (33, 35, 36, 32, 34, 93, 95, 96, 92, 94, 91, 208)
_LEVEL_COLOURS = {
    "error": 31,
    "err": 31,
    "fatal": 31,
    "critical": 31,
    "crit": 31,
    "panic": 31,
    "warn": 33,
    "warning": 33,
    "info": 32,
    "debug": 2,
    "trace": 2,
}
_LEVEL_KEYS = ("level", "severity", "lvl", "levelname", "log.level", "loglevel")


def _paint(text: str, code: int | None, colour: bool) -> str:
    if not colour or code is None:
        return text
    seq = f"38;5;{code}" if code > 97 else str(code)
    return f"\x1b[{seq}m{text}\x1b[0m"


def level_of(doc: dict[str, Any]) -> str | None:
    for key in _LEVEL_KEYS:
        value = doc.get(key)
        if isinstance(value, str):
            return value.lower()
    return None


class LineFormatter:
    def __init__(
        self, colour: bool, utc: bool = False, fields: Sequence[str] = (), raw: bool = False, show_service: bool = False
    ) -> None:
        self.colour = colour
        self.utc = utc
        self.fields = list(fields)
        self.raw = raw
        self.show_service = show_service
        self._tz = UTC if utc else datetime.now().astimezone().tzinfo
        self._second: int | None = None
        self._second_text = ""
        self._who: dict[tuple[str, str], str] = {}  # (service, task) -> painted "service/task" label

    def stamp(self, ts_ms: int) -> str:
        second, millis = divmod(ts_ms, 1000)
        if second != self._second:  # formatted once per second of log time
            self._second = second
            self._second_text = datetime.fromtimestamp(second, self._tz).strftime("%Y-%m-%d %H:%M:%S")
        return f"{self._second_text}.{millis:03d}{'Z' if self.utc else ''}"

    def task_colour(self, task: str) -> int:
        return _TASK_COLOURS[zlib.crc32(task.encode()) % len(_TASK_COLOURS)]

    def message(self, text: str) -> str:
        # A JSON line is parsed only for what changes its text: level colours or --field. Piped output
        # without --field prints it as stored, which keeps a long back-fill fast.
        if self.raw or not text.startswith("{") or not (self.colour or self.fields):
            return text
        try:
            doc = json.loads(text)
        except ValueError:
            return text
        if not isinstance(doc, dict):
            return text
        level = level_of(doc)
        if self.fields:
            text = " ".join(f"{k}={_field(doc, k)}" for k in self.fields if _field(doc, k) is not None)
        return _paint(text, _LEVEL_COLOURS.get(level or ""), self.colour)

    def event(self, e: LogEvent) -> str:
        if self.raw:
            return e.message
        who = self._who.get((e.service, e.task))
        if who is None:
            label = f"{e.service}/{e.task[:8]}" if self.show_service else e.task[:8]
            who = self._who[(e.service, e.task)] = _paint(label, self.task_colour(e.task), self.colour)
        return f"{self.stamp(e.timestamp)} {who} {e.container} {self.message(e.message)}"

    def marker(self, m: Marker) -> str:
        text = f"{self.stamp(m.timestamp)} -- {m.text}"
        return _paint(text, 31 if m.kind == "stopped" else 2, self.colour)


def _field(doc: dict[str, Any], key: str) -> Any:
    value: Any = doc
    for part in key.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, dict) and key in value:
            return value[key]
        else:
            return None
    return json.dumps(value) if isinstance(value, dict | list) else value

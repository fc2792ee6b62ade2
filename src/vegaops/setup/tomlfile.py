"""Update tables of vegaops.toml in place, keeping everything else (comments included) as written."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _blocks(lines: list[str]) -> list[tuple[str | None, int, int]]:
    """(table name or None for the preamble, first line, end line exclusive)."""
    starts: list[tuple[str | None, int]] = [(None, 0)]
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("[["):
            starts.append((m.group(1).replace(" ", ""), i))
        elif line.lstrip().startswith("[["):
            starts.append(("[[array]]", i))
    blocks = []
    for n, (name, start) in enumerate(starts):
        end = starts[n + 1][1] if n + 1 < len(starts) else len(lines)
        blocks.append((name, start, end))
    return blocks


def set_tables(text: str, tables: dict[str, dict[str, object]], only_missing: frozenset[str] = frozenset()) -> str:
    """Set keys of the named tables (``env.prod``, ``service.api``); create tables that are absent.

    Tables named in ``only_missing`` get keys added only where absent (used for ``[project]``).
    """
    lines = text.splitlines()
    for table, values in tables.items():
        block = next(((s, e) for name, s, e in _blocks(lines) if name == table), None)
        if block is None:
            if lines and lines[-1].strip():
                lines.append("")
            lines.append(f"[{table}]")
            lines.extend(f"{k} = {toml_value(v)}" for k, v in values.items())
            continue
        start, end = block
        present: dict[str, int] = {}
        for i in range(start + 1, end):
            m = _KEY.match(lines[i])
            if m:
                present[m.group(1)] = i
        insert_at = end
        while insert_at - 1 > start and not lines[insert_at - 1].strip():
            insert_at -= 1
        new_lines = []
        for key, value in values.items():
            if key in present:
                if table in only_missing:
                    continue
                i = present[key]
                comment = ""
                m = re.search(r"\s+#.*$", lines[i])
                if m and '"' not in m.group(0):
                    comment = m.group(0)
                lines[i] = f"{key} = {toml_value(value)}{comment}"
            else:
                new_lines.append(f"{key} = {toml_value(value)}")
        lines[insert_at:insert_at] = new_lines
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=".vegaops-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

"""Dotenv rendering and parsing that round-trip any value (quotes, newlines, ``$``, backslashes).

Rendering always double-quotes and escapes ``\\``, ``"``, ``$``, newline, carriage return and tab, so a
value never breaks a line and never expands in a reader that interpolates ``$VAR``. Parsing accepts that
form, single-quoted (literal) values, bare values, ``export`` prefixes and ``#`` comments.
"""

from __future__ import annotations

import json
import re
import shlex

from vegaops.errors import UsageError

_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNESCAPES = {"\\": "\\", '"': '"', "$": "$", "n": "\n", "r": "\r", "t": "\t", "'": "'", "`": "`"}
_KEY = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-/]*)\s*=\s*")


def quote(value: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in value) + '"'


def render(values: dict[str, str]) -> str:
    return "".join(f"{key}={quote(value)}\n" for key, value in values.items())


def render_env(values: dict[str, str]) -> str:
    """``export KEY='value'`` lines for ``eval`` / ``source`` in a POSIX shell."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in values.items())


def render_json(values: dict[str, str]) -> str:
    return json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(text: str, source: str = "dotenv") -> dict[str, str]:
    values: dict[str, str] = {}
    i, n, line_no = 0, len(text), 1
    while i < n:
        end = text.find("\n", i)
        end = n if end < 0 else end
        line = text[i:end]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i, line_no = end + 1, line_no + 1
            continue
        m = _KEY.match(line.lstrip())
        if not m:
            raise UsageError(f"{source}:{line_no}: expected KEY=VALUE", hint='one assignment per line, e.g. A="b"')
        key = m.group(1)
        j = i + (len(line) - len(line.lstrip())) + m.end()
        if j < n and text[j] in "\"'":
            q = text[j]
            j += 1
            out: list[str] = []
            while True:
                if j >= n:
                    raise UsageError(f"{source}:{line_no}: unterminated {q}-quoted value for {key}")
                ch = text[j]
                if ch == q:
                    j += 1
                    break
                if ch == "\\" and q == '"' and j + 1 < n:
                    nxt = text[j + 1]
                    out.append(_UNESCAPES.get(nxt, "\\" + nxt))
                    j += 2
                    continue
                if ch == "\n":
                    line_no += 1
                out.append(ch)
                j += 1
            rest_end = text.find("\n", j)
            rest_end = n if rest_end < 0 else rest_end
            rest = text[j:rest_end].strip()
            if rest and not rest.startswith("#"):
                raise UsageError(f"{source}:{line_no}: unexpected text after the quoted value of {key}")
            values[key] = "".join(out)
            i, line_no = rest_end + 1, line_no + 1
            continue
        raw = text[j:end]
        raw = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
        values[key] = raw
        i, line_no = end + 1, line_no + 1
    return values


def parse_file_text(text: str, source: str) -> dict[str, str]:
    """JSON object (string values; others are JSON-encoded) or dotenv."""
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{source}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(doc, dict):
            raise UsageError(f"{source}: expected a JSON object of names to values")
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()}
    return parse(text, source)

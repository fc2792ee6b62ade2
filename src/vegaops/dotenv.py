"""Dotenv and shell renderings other tools read back exactly, and parsing with python-dotenv.

``render`` (``secret export --format dotenv``) writes one line per variable:

- a value with no ``'``, no ``\\`` and no line break is single-quoted: ``KEY='value'``. python-dotenv and
  docker compose's ``env_file`` both take it literally (``$``, ``#``, ``"``, ``=``, spaces, tabs included);
- any other value is double-quoted with exactly four escapes, the ones python-dotenv and compose both
  decode: ``\\\\`` ``\\"`` ``\\n`` ``\\r``. Everything else is written as is.

What does not round-trip, and why (these are the readers' rules, not choices made here):

- python-dotenv expands ``${NAME}`` in *every* value unless read with ``interpolate=False``, and has no
  escape for it; a value containing ``${`` reads back exactly only with ``interpolate=False`` (this module
  always parses that way).
- docker compose expands ``$NAME`` inside double quotes; only the values written double-quoted (those with
  a ``'``, a backslash or a line break) that also hold a ``$`` are affected. Compose also cannot read a
  double-quoted value that ends in a backslash or a ``"``.

``render_env`` (``--format env``) writes ``export KEY='...'`` with POSIX single quoting (``shlex.quote``):
``set -a; . FILE`` in sh or bash gives back every value byte for byte.

``parse`` (``secret import``) uses python-dotenv's own parser (``dotenv.parser.parse_stream``), so what
python-dotenv or compose-style files hold is read the way python-dotenv reads it, with interpolation off.
A line python-dotenv cannot parse, or a key without ``=``, is an error naming the line instead of being
skipped with a logged warning.
"""

from __future__ import annotations

import io
import json
import shlex

from vegaops.errors import UsageError

_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


def quote(value: str) -> str:
    if not any(ch in value for ch in "'\\\n\r"):
        return f"'{value}'"
    return '"' + "".join(_DOUBLE_ESCAPES.get(ch, ch) for ch in value) + '"'


def render(values: dict[str, str]) -> str:
    return "".join(f"{key}={quote(value)}\n" for key, value in values.items())


def render_env(values: dict[str, str]) -> str:
    """``export KEY='value'`` lines for ``set -a; . FILE``, ``source`` or ``eval`` in a POSIX shell."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in values.items())


def render_json(values: dict[str, str]) -> str:
    return json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(text: str, source: str = "dotenv") -> dict[str, str]:
    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            first = binding.original.string.strip().splitlines()[0] if binding.original.string.strip() else ""
            unterminated = first.partition("=")[2].lstrip()[:1] in ("'", '"')
            what = "unterminated quoted value" if unterminated else "expected KEY=VALUE"
            raise UsageError(f"{source}:{line}: {what}", hint='one assignment per line, e.g. A="b"')
        if binding.key is None:
            continue  # a comment or a blank line
        if binding.value is None:
            raise UsageError(f"{source}:{line}: {binding.key} has no value (expected KEY=VALUE)", hint="write KEY=")
        values[binding.key] = binding.value
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

"""Global options anywhere on the line: the root group moves them in front of the first subcommand first.

``vegaops status api -o json`` and ``vegaops deploy --tag x --env prod`` mean what they say. A subcommand's own
option with the same name as a global one (``setup --env``, ``deploy --dry-run``, ``config get --version``) keeps
its meaning: the command tree says which options each command defines. Nothing after ``--`` moves, nor anything
after the first argument of a command that passes the rest through (``exec``). Moving a flag does not change
precedence: it is still a flag (flag > VEGAOPS_* > config), and when a global option is given twice the later
one on the line still wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _options(command: Any) -> dict[str, Any]:
    """Every option string of ``command`` -> its click parameter (arguments have no option strings)."""
    found: dict[str, Any] = {}
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option":
            continue
        for opt in [*param.opts, *param.secondary_opts]:
            found[opt] = param
    return found


def _takes_value(param: Any) -> bool:
    return not (getattr(param, "is_flag", False) or getattr(param, "count", False))


def _match(token: str, options: dict[str, Any]) -> tuple[Any, bool] | None:
    """The option ``token`` names in ``options`` and whether its value is attached (``--env=prod``, ``-eprod``)."""
    if token in options:
        return options[token], False
    if token.startswith("--") and "=" in token:
        name = token.split("=", 1)[0]
        if name in options:
            return options[name], True
    elif len(token) > 2 and token[0] == "-" and token[1] != "-" and token[:2] in options:
        param = options[token[:2]]
        if _takes_value(param):
            return param, True
        flags = [options.get(f"-{c}") for c in token[1:]]
        if all(f is not None and not _takes_value(f) for f in flags):  # -vq, -vv
            return param, True
    return None


def _interspersed(command: Any) -> bool:
    settings = getattr(command, "context_settings", None) or {}
    return bool(settings.get("allow_interspersed_args", getattr(command, "allow_interspersed_args", True)))


def hoist_globals(args: Sequence[str], root: Any) -> list[str]:
    """``args`` with the root's options that appear after a subcommand moved in front of that subcommand."""
    args = list(args)
    globals_ = _options(root)
    i = 0
    # the root's own options, before the first subcommand
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        hit = _match(args[i], globals_)
        i += 2 if hit is not None and _takes_value(hit[0]) and not hit[1] else 1
    if i >= len(args) or args[i] == "--":
        return args
    front, rest, moved = args[:i], args[i:], []
    kept: list[str] = []
    command: Any = root
    j = 0
    while j < len(rest):
        token = rest[j]
        if token == "--":
            kept.extend(rest[j:])
            break
        subcommands = getattr(command, "commands", None)
        if not token.startswith("-") or token == "-":
            if subcommands is not None and token in subcommands:
                command = subcommands[token]
                kept.append(token)
                j += 1
                continue
            kept.append(token)
            j += 1
            if subcommands is None and not _interspersed(command):
                kept.extend(rest[j:])  # exec CMD ...: the rest belongs to the command it runs
                break
            continue
        own = _match(token, _options(command)) if command is not root else None
        if own is not None:
            width = 2 if _takes_value(own[0]) and not own[1] else 1
            kept.extend(rest[j : j + width])
            j += width
            continue
        hit = _match(token, globals_)
        if hit is not None and command is not root:
            width = 2 if _takes_value(hit[0]) and not hit[1] else 1
            moved.extend(rest[j : j + width])
            j += width
            continue
        kept.append(token)  # unknown here: left in place for click to report
        j += 1
    return [*front, *moved, *kept]

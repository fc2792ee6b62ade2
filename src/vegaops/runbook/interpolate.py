"""``${vars.x}``, ``${env.<setting>}`` and ``${steps.<id>.<output>}`` in runbook parameters."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REF = re.compile(r"\$\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)\s*\}")


@dataclass(frozen=True)
class Unknown:
    """A value only known after an earlier step applies (shown in dry-run plans)."""

    ref: str

    def __str__(self) -> str:
        return f"(known after apply: {self.ref})"


def references(value: Any) -> list[str]:
    if isinstance(value, str):
        return [m.group(1) for m in REF.finditer(value)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def malformed(value: Any) -> str | None:
    """The first ``${`` that does not open a well-formed reference (unterminated or bad), else None."""
    if isinstance(value, str):
        rest = REF.sub("", value)
        at = rest.find("${")
        if at < 0:
            return None
        fragment = rest[at:]
        return fragment if len(fragment) <= 40 else fragment[:40] + "..."
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for v in value:
            found = malformed(v)
            if found is not None:
                return found
    return None


def interpolate(value: Any, lookup: Callable[[str], Any]) -> Any:
    """Replace references. A string that is exactly one reference takes the referenced value as is."""
    if isinstance(value, str):
        whole = REF.fullmatch(value.strip())
        if whole:
            return lookup(whole.group(1))
        pieces: list[Any] = []

        def sub(m: re.Match[str]) -> str:
            got = lookup(m.group(1))
            pieces.append(got)
            return str(got)

        text = REF.sub(sub, value)
        unknown = [p for p in pieces if isinstance(p, Unknown)]
        return unknown[0] if unknown else text
    if isinstance(value, dict):
        return {k: interpolate(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, lookup) for v in value]
    return value


def contains_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for v in value:
            found = contains_unknown(v)
            if found:
                return found
    return None

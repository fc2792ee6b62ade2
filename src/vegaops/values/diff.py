"""Two environments' values side by side: key sets and value fingerprints, never values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.output.result import Result


def fingerprint_diff(a_vals: dict[str, Any], b_vals: dict[str, Any]) -> dict[str, list[str]]:
    only_a = sorted(set(a_vals) - set(b_vals))
    only_b = sorted(set(b_vals) - set(a_vals))
    both = sorted(set(a_vals) & set(b_vals))
    return {
        "only_a": only_a,
        "only_b": only_b,
        "different": [k for k in both if a_vals[k].value != b_vals[k].value],
        "same": [k for k in both if a_vals[k].value == b_vals[k].value],
    }


def diff_result(command: str, env_a: str, env_b: str, a_vals: dict[str, Any], b_vals: dict[str, Any]) -> Result:
    """The result of ``config diff`` / ``secret diff``: one row per name, counts as the message."""
    from vegaops.output.result import Result, Table, View

    d = fingerprint_diff(a_vals, b_vals)
    labels = (
        ("only_a", f"only in {env_a}"),
        ("only_b", f"only in {env_b}"),
        ("different", "different"),
        ("same", "same"),
    )
    rows: list[list[object]] = []
    for key, label in labels:
        for name in d[key]:
            rows.append(
                [
                    name,
                    label,
                    a_vals[name].fingerprint if name in a_vals else "-",
                    b_vals[name].fingerprint if name in b_vals else "-",
                ]
            )
    prints = {
        n: {"a": a_vals[n].fingerprint if n in a_vals else None, "b": b_vals[n].fingerprint if n in b_vals else None}
        for n in sorted(set(a_vals) | set(b_vals))
    }
    counts = ", ".join(f"{len(d[k])} {lbl}" for k, lbl in labels)
    table: list[View] = [Table(["NAME", "STATE", env_a.upper(), env_b.upper()], rows)] if rows else []
    return Result(command, data={"a": env_a, "b": env_b, **d, "fingerprints": prints}, views=table, message=counts)

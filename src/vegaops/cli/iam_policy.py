"""``vegaops iam-policy [COMMAND...] [--all] [--required-only]``: the least-privilege IAM policy, pasteable."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops.cli.common import app_ctx, emit


def iam_policy(
    ctx: typer.Context,
    commands: Annotated[
        list[str] | None,
        typer.Argument(help="Commands, e.g. deploy, 'deploy history', status, debug (see --list)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="One policy for every command.")] = False,
    required_only: Annotated[
        bool, typer.Option("--required-only", help="Only what the commands cannot do without.")
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the commands and what each optional action adds.")] = (
        False
    ),
) -> None:
    """Print the IAM policy a role needs to run vegaops commands (JSON you can paste into IAM)."""
    import json

    from vegaops.errors import UsageError
    from vegaops.iam import POLICIES, names, policy_document
    from vegaops.output.result import Lines, Result, Reveal

    a = app_ctx(ctx)
    if list_:
        out = []
        for name in names():
            p = POLICIES[name]
            out.append(f"{name}: {p.summary}")
            out.append(f"  required: {', '.join(p.required)}")
            out += [f"  optional: {action}: {why}" for action, why in sorted(p.optional.items())]
        emit(a, Result(a.command, data={n: _row(n) for n in names()}, views=[Lines(out)]))
        return
    wanted = names() if all_ else _commands(list(commands or []))
    if not wanted:
        raise UsageError(
            "name the commands whose policy to print, or --all",
            hint="vegaops iam-policy deploy  (vegaops iam-policy --list shows them)",
        )
    unknown = [c for c in wanted if c not in POLICIES]
    if unknown:
        raise UsageError(
            f"no IAM policy known for {', '.join(repr(c) for c in unknown)}",
            hint="one of: " + ", ".join(names()),
        )
    document = policy_document(wanted, required_only=required_only)
    emit(
        a,
        Result(
            a.command,
            data={"commands": wanted, "required_only": required_only, "policy": document},
            views=[Reveal(json.dumps(document, indent=2))],
        ),
    )


def _commands(words: list[str]) -> list[str]:
    """``deploy history`` may come as one argument or two."""
    from vegaops.iam import POLICIES

    out: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if i + 1 < len(words) and pair in POLICIES:
            out.append(pair)
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def _row(name: str) -> dict[str, object]:
    from vegaops.iam import POLICIES

    p = POLICIES[name]
    return {"summary": p.summary, "required": list(p.required), "optional": dict(p.optional), "notes": list(p.notes)}

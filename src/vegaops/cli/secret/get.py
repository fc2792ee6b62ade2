"""``vegaops secret get``: a secret masked (length, fingerprint), or its value with --reveal."""

from __future__ import annotations

from typing import Annotated

import typer

from vegaops import completion
from vegaops.cli.common import (
    app_ctx,
    emit,
)
from vegaops.cmdline import prog
from vegaops.errors import NotFoundError, UsageError


def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Secret name.", autocompletion=completion.secret_names)],
    key: Annotated[str | None, typer.Option("--key", help="One field of a JSON secret.")] = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Print the value alone on stdout.")] = False,
    version_id: Annotated[str | None, typer.Option("--version-id", help="A specific version.")] = None,
) -> None:
    """Show a secret masked (length, fingerprint, version, last changed); --reveal prints the value."""
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.naming import secret_name
    from vegaops.output.result import Fields, Result, Reveal, View
    from vegaops.sensitive import Sensitive

    a = app_ctx(ctx)
    full = secret_name(a.settings.secrets_prefix, name)
    store = SecretsCatalog(a.client("secretsmanager"))
    meta = store.describe(full)
    if meta is None:
        raise NotFoundError(f"secret {full} not found", hint=f"list what exists: {prog()} secret list")
    if meta.deleted is not None:
        raise NotFoundError(
            f"secret {full} is scheduled for deletion on {meta.deleted:%Y-%m-%d}",
            hint=f"restore it: {prog()} secret restore {name}",
        )
    got = store.get(full, version_id=version_id)
    if got is None:
        raise NotFoundError(
            f"secret {full} has no version {version_id}", hint=f"see its versions: {prog()} secret history {name}"
        )
    value = Sensitive(_select(full, got.value.value, key))
    data: dict[str, object] = {
        "name": full,
        "key": key,
        "version": got.version_id,
        "stages": list(got.stages),
        "last_changed": meta.last_changed,
        "length": len(value.value),
        "fingerprint": value.fingerprint,
        "value": value.value if reveal else value,
    }
    from vegaops.stores import json_fields

    fields = json_fields(value.value) if key is None else None
    shown: dict[str, Sensitive] = {}
    if fields is not None:  # a JSON secret: its keys, each masked (length and fingerprint), in the stored order
        shown = {k: Sensitive(v) for k, v in fields.items()}
        data["keys"] = {
            k: {"length": len(v.value), "fingerprint": v.fingerprint, "value": v.value if reveal else v}
            for k, v in shown.items()
        }
    views: list[View]
    if reveal:
        views = [Reveal(value.value)]
    else:
        views = [
            Fields(
                [
                    ("name", full + (f" (field {key})" if key else "")),
                    ("version", got.version_id),
                    ("stages", ", ".join(got.stages)),
                    ("last changed", meta.last_changed),
                    ("length", len(value.value)),
                    ("fingerprint", value.fingerprint),
                    ("value", "<masked: use --reveal to print it>"),
                    *(
                        (f"key {k}", f"<masked> {len(v.value)} chars, fingerprint {v.fingerprint}")
                        for k, v in shown.items()
                    ),
                ]
            )
        ]
    emit(a, Result(a.command, data=data, views=views))


def _select(name: str, raw: str, key: str | None) -> str:
    if key is None:
        return raw
    import json

    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise UsageError(f"secret {name} is not a JSON object, so it has no field {key}")
    if key not in doc:
        raise NotFoundError(f"secret {name} has no field {key}", hint=f"fields: {', '.join(sorted(doc)) or 'none'}")
    got = doc[key]
    return got if isinstance(got, str) else json.dumps(got)

"""The click command for one run, built for a fast start: only the branch of the tree the arguments name,
and parameter values converted without pydantic when there is nothing to convert.

:func:`command_for`: typer builds the click command of every command of the tree from its signature (about
120 functions, ``inspect`` and type hints) before it parses anything, and importing the ~60 command modules
costs more; a run of ``vegaops config get NAME`` needs the root and the ``config`` group only. When the first
command word names a top-level group or command (``vegaops.cli.app.TREE``), only its module is imported and
the tree is the root holding just that one; otherwise (no word, an unknown word, help asked at the root, shell
completion) the whole tree, so root help, suggestions and completion see every command. The command that runs
is the same object typer would have built.

:func:`defer_coercion`: typer (0.26+) converts every non-flag parameter value through a pydantic
``TypeAdapter``, built on first use, even for a plain string option left at its default: importing pydantic
costs about a fifth of a one-call command's start-up (``vegaops config get NAME``). :func:`defer_coercion`
gives each parameter of the command tree a runtime converter that answers the cases where typer's adapter
would return the value unchanged (``str``, ``list[str]`` of strings, a number default that is already a
number, no ``parser=``; ``None`` is handled before any converter by typer) and hands everything else (numbers
typed on the command line, paths, choices, datetimes, custom parsers) to typer's own converter, built only
then. Values and error messages are typer's in every case.

It uses typer's internal ``RuntimeParam`` contract (``typer._coercion``, ``_TyperParameter._runtime_param``);
when a typer release changes it, :func:`defer_coercion` does nothing and typer converts as usual
(``tests/unit/test_startup.py`` notices the start-up cost coming back).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

try:
    from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
except ImportError:  # pragma: no cover - a typer without the runtime converter layer
    RuntimeParam = None  # type: ignore[assignment,misc]


def _unchanged(annotation: Any, value: Any, info: Any) -> bool:
    """True when typer's adapter would return ``value`` as it is (or as a list of the same strings): a string
    for ``str``, a default that already has the type for ``int``/``float``/``bool`` with no min/max."""
    if annotation is str:
        return isinstance(value, str)
    if annotation in (int, float, bool):
        plain = info.min is None and info.max is None
        return plain and type(value) is annotation
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    return False


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class DeferredRuntimeParam(RuntimeParam):
        """Plain strings pass through; anything else goes to typer's converter, built on first need."""

        descriptor: TypeDescriptor | None = None
        built: list[RuntimeParam] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.parameter_info.parser is None and _unchanged(self.annotation, value, self.parameter_info):
                return list(value) if isinstance(value, tuple | list) else value
            if not self.built:
                assert self.descriptor is not None
                self.built.append(build_runtime_param(self.descriptor))
            return self.built[0]._coerce_value(value, param=param, ctx=ctx)


def defer_coercion(command: Any) -> None:
    """Give every parameter of ``command`` and its subcommands, their help options included, a
    :class:`DeferredRuntimeParam`."""
    if RuntimeParam is None:
        return
    stack: list[tuple[Any, list[str]]] = [(command, ["--help"])]
    while stack:
        cmd, inherited = stack.pop()
        names = list((getattr(cmd, "context_settings", None) or {}).get("help_option_names", inherited))
        params = list(getattr(cmd, "params", ()))
        help_option = _help_option(cmd, names)
        for param in [*params, *([help_option] if help_option is not None else [])]:
            descriptor = getattr(param, "type_descriptor", None)
            if (
                not isinstance(descriptor, TypeDescriptor)
                or descriptor.file_annotation is not None
                or getattr(param, "_runtime_param", True) is not None
            ):
                continue
            param._runtime_param = DeferredRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, descriptor=descriptor
            )
        stack.extend((sub, names) for sub in getattr(cmd, "commands", {}).values())


def _help_option(cmd: Any, names: list[str]) -> Any:
    """The command's ``--help`` option, made now the way Click makes it on first use (it is cached on the
    command): Click reads only ``help_option_names`` from the context, inherited from the parent's."""
    from types import SimpleNamespace

    get = getattr(cmd, "get_help_option", None)
    if get is None:
        return None
    try:
        return get(SimpleNamespace(help_option_names=names))
    except AttributeError:  # pragma: no cover - a Click that reads more of the context
        return None


def command_for(args: Sequence[str]) -> Any:
    """The click command to run ``args`` with (see the module docstring)."""
    from typer.main import get_command

    from vegaops.cli.app import TREE, tree

    if os.environ.get("_VEGAOPS_COMPLETE"):
        return get_command(tree())
    word = _command_word(get_command(tree(())), args)
    return get_command(tree([word] if word in TREE else None))


def _command_word(root: Any, args: Sequence[str]) -> str | None:
    """The first command word of ``args`` after the root's own options; None when there is none, when help
    is asked before it, or when an option is not one of the root's (the whole tree then reports it)."""
    options: dict[str, Any] = {}
    for param in getattr(root, "params", ()):
        for name in [*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())]:
            options[name] = param
    help_names = set((getattr(root, "context_settings", None) or {}).get("help_option_names", ["--help"]))
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--" or arg in help_names:
            return None
        if not arg.startswith("-") or arg == "-":
            return arg
        name = arg.split("=", 1)[0]
        param = options.get(name)
        if param is None:
            if name.startswith("--") or not all(f"-{c}" in options for c in name[1:]):
                return None  # an unknown option, or a short cluster with a value (-ojson): let click decide
            continue
        takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        skip = takes_value and "=" not in arg
    return None

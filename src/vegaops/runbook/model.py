"""Runbook files: loading, locating and validation with key paths (all before any AWS call)."""

from __future__ import annotations

import difflib
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from vegaops.cmdline import prog
from vegaops.config import ENV_KEYS
from vegaops.errors import RunbookError
from vegaops.runbook.interpolate import malformed, references
from vegaops.steps.base import param_specs
from vegaops.steps.registry import STEPS, get_step

TOP_KEYS = ("name", "description", "vars", "steps")
VAR_KEYS = ("default", "description", "required", "sensitive")
STEP_KEYS = ("id", "uses", "with", "description", "when", "always")
ENV_REFS = (*ENV_KEYS, "name")


def _suggest(key: str, choices: list[str] | tuple[str, ...]) -> str:
    match = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{match[0]}"?' if match else ""


@dataclass(frozen=True)
class Var:
    name: str
    default: Any = None
    description: str = ""
    required: bool = False
    sensitive: bool = False


@dataclass(frozen=True)
class StepCall:
    id: str
    uses: str
    params: dict[str, Any]
    description: str = ""
    literal: bool = False  # parameters given by a command, never interpolated
    when: str | None = None  # run the step only when this (interpolated) is not empty/false
    always: bool = False  # applied even after an earlier step failed (recording what the run became)
    # planned and shown with the run, applied only when a gate step asks for it (the automatic rollback)
    contingent: bool = False


@dataclass
class Runbook:
    name: str
    path: Path | None
    description: str = ""
    vars: dict[str, Var] = field(default_factory=dict)
    steps: list[StepCall] = field(default_factory=list)


def builtin_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "runbooks"


def search_dirs(cwd: Path, config_path: Path | None) -> list[Path]:
    dirs = [cwd / "runbooks"]
    if config_path is not None:
        dirs.append(config_path.parent / "runbooks")
    dirs.append(builtin_dir())
    seen: list[Path] = []
    for d in dirs:
        if d.resolve() not in [s.resolve() for s in seen] and d.is_dir():
            seen.append(d)
    return seen


def locate(name: str, cwd: Path, config_path: Path | None) -> Path:
    try:
        return _locate(name, cwd, config_path)
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte, ...
        shown = name if len(name) <= 80 else name[:60] + "..."
        raise RunbookError(
            f"runbook {shown!r}: not a usable name or path ({getattr(exc, 'strerror', None) or exc})",
            hint=f"give a runbook name from {prog()} runbook list, or a path to a .toml file",
        ) from None


def _locate(name: str, cwd: Path, config_path: Path | None) -> Path:
    candidate = Path(name)
    if candidate.suffix == ".toml" or "/" in name:
        if candidate.is_file():
            return candidate
        raise RunbookError(f"{name}: runbook file not found", hint="check the path")
    for directory in search_dirs(cwd, config_path):
        path = directory / f"{name}.toml"
        if path.is_file():
            return path
    known = sorted({p.stem for d in search_dirs(cwd, config_path) for p in d.glob("*.toml")})
    raise RunbookError(
        f"runbook {name!r} not found{_suggest(name, known)}",
        hint=f"available: {', '.join(known) or 'none'}; or give a path to a .toml file",
    )


def _type_ok(value: Any, expected: Any) -> bool:
    if references(value):
        return True  # checked again after interpolation
    origin = get_origin(expected)
    if origin in (Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in get_args(expected))
    if expected is type(None):
        return value is None
    if expected is Any:
        return True
    if origin is list:
        (item,) = get_args(expected) or (Any,)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, expected)


def _type_name(expected: Any) -> str:
    origin = get_origin(expected)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(expected) if a is not type(None))
    if origin is not None:
        return str(origin.__name__)
    return str(getattr(expected, "__name__", expected))


def parse(text: str, path: Path | None, name: str | None = None) -> Runbook:
    label = str(path) if path else (name or "runbook")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RunbookError(f"{label}: invalid TOML: {exc}") from exc

    def fail(where: str, what: str, hint: str | None = None) -> RunbookError:
        return RunbookError(f"{label}: {where}: {what}", hint=hint)

    for key in raw:
        if key not in TOP_KEYS:
            raise fail(key, f"unknown key{_suggest(key, TOP_KEYS)}", f"allowed: {', '.join(TOP_KEYS)}")
    book = Runbook(
        name=str(raw.get("name") or name or (path.stem if path else "runbook")),
        path=path,
        description=str(raw.get("description", "")),
    )
    vars_table = raw.get("vars", {})
    if not isinstance(vars_table, dict):
        raise fail("vars", "expected a table of variables", "write [vars.NAME] with default/description")
    for var, raw_spec in vars_table.items():
        spec = raw_spec if isinstance(raw_spec, dict) else {"default": raw_spec}
        for key in spec:
            if key not in VAR_KEYS:
                raise fail(f"vars.{var}.{key}", f"unknown key{_suggest(key, VAR_KEYS)}")
        book.vars[var] = Var(
            var,
            spec.get("default"),
            str(spec.get("description", "")),
            bool(spec.get("required", "default" not in spec)),
            bool(spec.get("sensitive", False)),
        )

    steps = raw.get("steps", [])
    if not isinstance(steps, list) or not steps:
        raise fail("steps", "a runbook needs at least one [[steps]] entry")
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(step, dict):
            raise fail(where, "expected a table")
        for key in step:
            if key not in STEP_KEYS:
                raise fail(
                    f"{where}.{key}", f"unknown key{_suggest(key, STEP_KEYS)}", f"allowed: {', '.join(STEP_KEYS)}"
                )
        step_id = step.get("id")
        if not isinstance(step_id, str) or not step_id:
            raise fail(f"{where}.id", "missing step id", 'give every step a unique id = "..."')
        where = f"steps[{index}] ({step_id})"
        if step_id in seen:
            raise fail(f"{where}.id", f"duplicate step id (also steps[{seen[step_id]}])")
        seen[step_id] = index
        uses = step.get("uses")
        if not isinstance(uses, str) or uses not in STEPS:
            raise fail(
                f"{where}.uses",
                f"unknown step {uses!r}{_suggest(str(uses), tuple(STEPS))}",
                f"known steps: {', '.join(sorted(STEPS))}",
            )
        params = step.get("with", {})
        if not isinstance(params, dict):
            raise fail(f"{where}.with", "expected a table of parameters")
        specs = param_specs(get_step(uses))
        for key, value in params.items():
            if key not in specs:
                raise fail(
                    f"{where}.with.{key}",
                    f"unknown parameter for {uses}{_suggest(key, tuple(specs))}",
                    f"parameters of {uses}: {', '.join(specs)}",
                )
            if not _type_ok(value, specs[key].type):
                raise fail(f"{where}.with.{key}", f"expected {_type_name(specs[key].type)}, got {value!r}")
        for param in specs.values():
            if param.required and param.name not in params:
                raise fail(f"{where}.with", f"missing required parameter {param.name!r} for {uses}")
        bad = malformed(params)
        if bad is not None:
            raise fail(
                f"{where}.with",
                f"malformed reference {bad!r}",
                "references are ${vars.NAME}, ${env.SETTING} or ${steps.ID.OUTPUT}, closed with }",
            )
        for ref in references(params):
            _check_ref(ref, book, seen, index, fail, f"{where}.with")
        when = step.get("when")
        if when is not None and not isinstance(when, str | bool):
            raise fail(
                f"{where}.when",
                f"expected a string or true/false, got {when!r}",
                'e.g. when = "${vars.source}" (the step is skipped when that is empty or false)',
            )
        if isinstance(when, str):
            if malformed(when) is not None:
                raise fail(
                    f"{where}.when",
                    f"malformed reference {malformed(when)!r}",
                    "references are ${vars.NAME}, ${env.SETTING} or ${steps.ID.OUTPUT}, closed with }",
                )
            for ref in references(when):
                _check_ref(ref, book, seen, index, fail, f"{where}.when")
        always = step.get("always", False)
        if not isinstance(always, bool):
            raise fail(
                f"{where}.always",
                f"expected true or false, got {always!r}",
                "always = true applies the step even after an earlier step failed (recording what the run became)",
            )
        book.steps.append(
            StepCall(
                step_id,
                uses,
                params,
                str(step.get("description", "")),
                when=None if when is None else str(when).lower() if isinstance(when, bool) else when,
                always=always,
            )
        )
    return book


def _check_ref(ref: str, book: Runbook, seen: dict[str, int], index: int, fail: Any, where: str) -> None:
    head, _, rest = ref.partition(".")
    if head == "vars":
        if rest not in book.vars:
            raise fail(
                where,
                f"undefined variable ${{{ref}}}{_suggest(rest, tuple(book.vars))}",
                f"declare it under [vars.{rest}]",
            )
    elif head == "env":
        if rest not in ENV_REFS:
            raise fail(where, f"unknown environment setting ${{{ref}}}{_suggest(rest, ENV_REFS)}")
    elif head == "steps":
        step_id, _, output = rest.partition(".")
        if step_id not in seen or seen[step_id] >= index:
            raise fail(where, f"${{{ref}}} refers to step {step_id!r}, which does not run before this one")
        earlier = next(s for s in book.steps if s.id == step_id)
        outputs = get_step(earlier.uses).outputs
        if output not in outputs:
            raise fail(
                where,
                f"${{{ref}}}: {earlier.uses} has no output {output!r}{_suggest(output, outputs)}",
                f"outputs of {earlier.uses}: {', '.join(outputs) or 'none'}",
            )
    else:
        raise fail(where, f"bad reference ${{{ref}}}", "references start with vars., env. or steps.")


def load(name: str, cwd: Path, config_path: Path | None) -> Runbook:
    from vegaops.errors import UsageError
    from vegaops.inputs import read_text

    path = locate(name, cwd, config_path)
    try:
        text = read_text(path, "runbook", hint="a runbook is a TOML text file (UTF-8)")
    except UsageError as exc:
        raise RunbookError(exc.message, exc.hint) from None
    return parse(text, path)


def check_calls(calls: list[StepCall], variables: dict[str, Any]) -> None:
    """Before the first step plans: every parameter whose value is known now (literal or from a variable)
    has the right type, and every sensitive value (secret and parameter values) is non-empty text, the
    same rule as ``secret set``. Values that depend on earlier steps are checked when they are known."""
    import dataclasses

    from vegaops.inputs import check_value
    from vegaops.runbook.interpolate import Unknown, interpolate

    def lookup(ref: str) -> Any:
        head, _, rest = ref.partition(".")
        if head == "vars" and rest in variables:
            return variables[rest]
        return Unknown(ref)

    for call in calls:
        step_cls = get_step(call.uses)
        if call.when is not None and not isinstance(interpolate(call.when, lookup), Unknown):
            shown = str(interpolate(call.when, lookup)).strip().lower()
            if shown in ("", "false", "0", "no", "none"):
                continue  # skipped: its parameters do not matter
        params = call.params if call.literal else interpolate(call.params, lookup)
        specs = param_specs(step_cls)
        for f in dataclasses.fields(step_cls.Params):
            value = params.get(f.name)
            if f.name not in params or isinstance(value, Unknown):
                continue
            if not _type_ok(value, specs[f.name].type):
                raise RunbookError(
                    f"step {call.id}: with.{f.name}: expected {_type_name(specs[f.name].type)}, got {value!r}"
                )
            if f.metadata.get("sensitive") and isinstance(value, str):
                origin = call.params.get(f.name) if not call.literal else None
                where = f"runbook variable {origin.strip()}" if isinstance(origin, str) and "${" in origin else "input"
                check_value(value, f"step {call.id}: with.{f.name}", where)


def bind_vars(book: Runbook, given: dict[str, str]) -> dict[str, Any]:
    label = str(book.path) if book.path else book.name
    for key in given:
        if key not in book.vars:
            raise RunbookError(
                f"{label}: --var {key}: the runbook declares no such variable{_suggest(key, tuple(book.vars))}",
                hint=f"variables: {', '.join(book.vars) or 'none'}",
            )
    values: dict[str, Any] = {}
    for name, var in book.vars.items():
        if name in given:
            values[name] = given[name]
        elif var.default is not None:
            values[name] = var.default
        elif var.required:
            raise RunbookError(f"{label}: vars.{name}: no value given", hint=f"pass --var {name}=VALUE")
        else:
            values[name] = None
    return values

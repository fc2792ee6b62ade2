"""The Step contract: typed parameters, a stable id, a read-only plan and an apply that follows it."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, get_type_hints

from vegaops.sensitive import redact

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.deploy.watch import WatchResult
    from vegaops.errors import VegaopsError
    from vegaops.tasks.run import RunOutcome


@dataclass(frozen=True)
class Change:
    """One change a step will make (in a plan) or made (in an outcome)."""

    action: str  # create | update | delete | tag | deploy | ...
    target: str  # what it changes, e.g. an SSM parameter name
    summary: str  # one human line, never containing a sensitive value
    detail: dict[str, Any] = field(default_factory=dict)  # Sensitive values are masked on output

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "target": self.target, "summary": self.summary, "detail": redact(self.detail)}


@dataclass
class Plan:
    step: str
    changes: list[Change] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)  # outputs already known when planning
    notes: list[str] = field(default_factory=list)  # e.g. "unchanged: /vega/prod/log-level"
    state: dict[str, Any] = field(default_factory=dict)  # what apply() needs from planning

    @property
    def empty(self) -> bool:
        return not self.changes


@dataclass
class Outcome:
    """What an applied step did. ``error``: the step ran to its end and its result is a failure (a watched
    deployment that did not succeed): the engine records the step as failed, with this outcome, and stops."""

    changes: list[Change] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    error: VegaopsError | None = None
    watch: WatchResult | None = None  # ecs.watch / health.check: the verdicts and what the watch cost
    task: RunOutcome | None = None  # ecs.run: how the one-off task ended (or that it was left detached)


class Contingency(Protocol):
    """Given by the engine to a step while it applies: plan, show, apply and record a step of the run that only
    this step can decide is needed (the watch's automatic rollback), as a step of the same run."""

    def __call__(self, call_id: str, step: Step[Any]) -> Outcome: ...


def sensitive_field(**kwargs: Any) -> Any:
    """A dataclass field whose value is never rendered (``metadata={'sensitive': True}``)."""
    metadata = {"sensitive": True, **kwargs.pop("metadata", {})}
    return field(metadata=metadata, **kwargs)


P = TypeVar("P")


class Step(ABC, Generic[P]):
    """Subclasses set ``id``, ``Params`` (a dataclass), ``outputs`` and implement plan/apply."""

    id: ClassVar[str]
    Params: ClassVar[type[Any]]
    outputs: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    # A gate (a watch, a health check) waits for or checks what earlier steps did: its plan lines are not
    # changes, never asked about, and planned only when the run reaches it if changes come before it.
    gate: ClassVar[bool] = False
    # A read-only step (resolve a tag, diagnose) changes nothing; after pending changes its plan is a preview,
    # read again when the run reaches it.
    read_only: ClassVar[bool] = False
    # What this step reads may be created by an earlier step of the same run (a tag a push creates): when its
    # plan finds it missing after pending changes, it is planned when the run reaches it.
    plan_after_missing: ClassVar[bool] = False
    # What this step changes exists only once the steps before it applied (the deploy lock a run takes and
    # releases at its end): after pending changes it is shown as waiting and planned when the run reaches it.
    plan_when_reached: ClassVar[bool] = False
    # A record of the run (the deploy lock, outcome tags, pruning old revisions): shown in the plan and journaled
    # like any change, not among the changes a command reports and asks about.
    bookkeeping: ClassVar[bool] = False

    def __init__(self, params: P) -> None:
        self.params = params
        self.contingency: Contingency | None = None  # set by the engine while this step applies

    @abstractmethod
    def plan(self, ctx: AppContext) -> Plan: ...

    @abstractmethod
    def apply(self, ctx: AppContext, plan: Plan) -> Outcome: ...


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: Any
    required: bool
    sensitive: bool


def param_specs(step_cls: type[Step[Any]]) -> dict[str, ParamSpec]:
    hints = get_type_hints(step_cls.Params)
    specs: dict[str, ParamSpec] = {}
    for f in dataclasses.fields(step_cls.Params):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        specs[f.name] = ParamSpec(f.name, hints[f.name], required, bool(f.metadata.get("sensitive")))
    return specs

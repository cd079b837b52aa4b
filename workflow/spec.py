"""Declarative workflow specs: a process's states and triggers, written down once.

A process (a disclosure item, an application) is declared as a ``WorkflowSpec``: its states are a
``StateEnum`` (stored value, label, colour, whether the state is still open) and each trigger is a
``TriggerSpec`` carrying everything about it: the states it leaves, where it goes (and under which
condition to an alternative destination), its label, who may fire it (``permission`` guards), what it
takes from the request (``fields``) and what those inputs must satisfy (``checks``), the decision row it
writes, the role whose pending task it is, and its effect. Screens, the API, the help diagram, database
CHECK constraints, task queries and translation keys are derived from the spec; nothing else repeats it.

Each spec builds one ``transitions.Machine`` (``auto_transitions=False``) when it is declared — at module
level for the real processes. Models are attached only for the duration of one ``fire``/``permitted``
call. Guards take the caller's context object and raise domain errors; ``permitted`` asks transitions'
own ``may_<trigger>`` with ``probe=True``, which runs the permission guards and route conditions but not
the input checks (what a user still has to type in is not a question of permission).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Generic, Iterable, Mapping, Sequence, TypeVar

from transitions import EventData, Machine

from workflow.errors import BadInput, DomainError, InvalidState, ValidationFailed
from workflow.i18n import gettext as _
from workflow.vocabulary import Vocabulary, member

ContextT = TypeVar("ContextT")
Guard = Callable[[Any], None]
Condition = Callable[[Any], bool]
#: The destination of a trigger that leaves the state as it is (transitions' reflexive ``"="``), e.g. an
#: application's ``extend``: it changes the clock, not the state, in each of its source states.
STAY = "="


class StateEnum(Vocabulary):
    """A workflow state: the stored value plus its label, colour and whether work is still open.

    Members are declared as ``NAME = "value", N_("label"), "colour", is_open``; the colour is a
    Bootstrap contextual name (``secondary``, ``info``, ``primary``, ``warning``, ``success``, ``dark``).
    """

    colour: str
    is_open: bool

    def __new__(cls, value: str, label: str = "", colour: str = "secondary", is_open: bool = False) -> StateEnum:
        return member(cls, value, label=label, colour=colour, is_open=is_open)


@dataclass(frozen=True)
class Field:
    """One input a trigger takes from the request.

    ``kind`` tells a form how to ask for it: ``text`` (one line), ``multiline``, ``checklist`` (the
    secrecy-review questions), ``justifications`` (the particulars the checklist's "yes" answers
    require, asked inside the checklist), ``datetime``, ``date``, ``integer``, ``choice`` (one of
    ``choices``) or ``multi`` (a list of ids, e.g. findings accepted).

    ``max_len``: the longest text accepted (None: the general limit of free text). ``aliases``: other
    names the request may give the same input under (a return's ``reason`` is its ``opinion``: either
    name fills the one box). ``phrases``: built-in suggestions (msgids) a form offers under the box,
    which each user may replace with their own (常用意见, ``workflow.services.phrases``).
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    max_len: int | None = None
    aliases: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias the request may use for this input."""
        return (self.name, *self.aliases)

    def optional(self) -> Field:
        """The same field, not required."""
        return replace(self, required=False)

    def mandatory(self) -> Field:
        """The same field, required."""
        return replace(self, required=True)


@dataclass(frozen=True)
class Route:
    """An alternative destination taken when ``condition(context)`` holds (e.g. approve → scheduled)."""

    dest: str
    condition: Condition


@dataclass(frozen=True)
class TriggerSpec:
    """Everything about one trigger, declared once."""

    name: str
    label: str
    sources: tuple[str, ...]
    dest: str
    permission: tuple[Guard, ...] = ()
    fields: tuple[Field, ...] = ()
    checks: tuple[Guard, ...] = ()
    routes: tuple[Route, ...] = ()
    decision: bool = False
    awaited_by: str | None = None
    effect: Callable[..., Any] | None = None
    style: str = "primary"
    confirm: str = ""

    @property
    def dests(self) -> tuple[str, ...]:
        """Every state this trigger may lead to (alternatives first, then the default)."""
        return (*(route.dest for route in self.routes), self.dest)

    def field(self, name: str) -> Field | None:
        """The declared input ``name``, or None."""
        return next((f for f in self.fields if f.name == name), None)

    def input_named(self, name: str) -> Field | None:
        """The input the request may give as ``name``: declared under that name or with it as an alias."""
        return next((f for f in self.fields if name in f.names), None)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The names of the inputs this trigger accepts (aliases included)."""
        return tuple(name for f in self.fields for name in f.names)


@dataclass(frozen=True)
class Action:
    """What a screen needs to offer one permitted trigger: name, label, inputs, button style."""

    name: str
    label: str
    fields: tuple[Field, ...]
    style: str
    confirm: str
    # 委托: offered because the actor represents this person today (their user name and name), None: his own
    on_behalf_of: str | None = None
    on_behalf_of_name: str | None = None

    @property
    def needs_form(self) -> bool:
        """Whether the action asks for input before it can be fired."""
        return bool(self.fields)


class _Flow:
    """The short-lived model the machine drives: one object's state during one call."""

    def __init__(self, state: str):
        self.state = state


class WorkflowSpec(Generic[ContextT]):
    """A process declared once; builds its own ``transitions.Machine``."""

    def __init__(self, name: str, states: type[StateEnum], triggers: Sequence[TriggerSpec], initial: str,
                 on_enter: Mapping[str, Callable[..., Any]] | None = None, stored_as: Sequence[str] | None = None):
        self.name = name
        if stored_as is not None and tuple(stored_as) != tuple(s.value for s in states):
            # the database CHECK constraint (and its migration) must allow exactly the declared states
            raise ValueError(f"{name}: states {[s.value for s in states]} differ from the stored {list(stored_as)}")
        self.stored_as = tuple(stored_as) if stored_as is not None else None
        self.on_enter: Mapping[str, Callable[..., Any]] = dict(on_enter or {})
        self.states = states
        self.triggers: dict[str, TriggerSpec] = {}
        for trigger in triggers:
            if trigger.name in self.triggers:
                raise ValueError(f"{name}: trigger {trigger.name!r} declared twice")
            unknown = {*trigger.sources, *trigger.dests} - {s.value for s in states} - {STAY}
            if unknown:
                raise ValueError(f"{name}: trigger {trigger.name!r} names unknown states {sorted(unknown)}")
            if len(set(trigger.field_names)) != len(trigger.field_names):
                raise ValueError(f"{name}: trigger {trigger.name!r} takes one input name twice (an alias?)")
            self.triggers[trigger.name] = trigger
        self.initial = initial
        self.machine = Machine(model=None, states=[s.value for s in states], transitions=self._transitions(),
                               initial=initial, auto_transitions=False, send_event=True,
                               ignore_invalid_triggers=False)

    def _transitions(self) -> list[dict[str, Any]]:
        declared: list[dict[str, Any]] = []
        for trigger in self.triggers.values():
            prepare = [self._prepare_callback(trigger)]
            # plain strings: transitions names Enum states by member name, the database stores values
            sources = [str(source) for source in trigger.sources]
            for route in trigger.routes:
                declared.append({"trigger": trigger.name, "source": sources, "dest": str(route.dest),
                                 "prepare": prepare, "conditions": [_condition_callback(route.condition)]})
            declared.append({"trigger": trigger.name, "source": sources, "dest": str(trigger.dest),
                             "prepare": prepare})
        return declared

    @staticmethod
    def _prepare_callback(trigger: TriggerSpec) -> Callable[[EventData], None]:
        def prepare(event: EventData) -> None:
            context = event.kwargs["context"]
            for guard in trigger.permission:
                guard(context)
            if not event.kwargs.get("probe"):
                require_fields(trigger, context.inputs)
                for check in trigger.checks:
                    check(context)
        return prepare

    # -- questions ---------------------------------------------------------------------------------

    @property
    def state_values(self) -> tuple[str, ...]:
        """Every state's stored value, in declaration order."""
        return tuple(s.value for s in self.states)

    @property
    def open_states(self) -> tuple[str, ...]:
        """States in which work is still owed."""
        return tuple(s.value for s in self.states if s.is_open)

    def state(self, value: str) -> StateEnum:
        """The state ``value``; InvalidState for a value the spec lacks."""
        try:
            return self.states(value)
        except ValueError:
            raise InvalidState("未知的状态：%(state)s", state=str(value)[:40]) from None

    def state_label(self, value: str) -> str:
        """The translated label of state ``value`` (the raw value for a state the spec lacks)."""
        try:
            return _(self.states(value).label)
        except ValueError:
            return str(value)

    def trigger(self, name: Any) -> TriggerSpec:
        """The trigger ``name``; BadInput ``unknown_trigger`` for anything else."""
        if not isinstance(name, str) or name not in self.triggers:
            raise BadInput("未知的操作：%(trigger)s", code="unknown_trigger", trigger=str(name)[:40])
        return self.triggers[name]

    def trigger_label(self, name: str) -> str:
        """The translated label of trigger ``name`` (the name itself when unknown)."""
        trigger = self.triggers.get(name)
        return _(trigger.label) if trigger else name

    def triggers_from(self, state: str) -> list[TriggerSpec]:
        """The triggers declared for ``state``, in declaration order."""
        return [t for t in self.triggers.values() if state in t.sources]

    def awaited(self) -> list[tuple[str, str, TriggerSpec]]:
        """``(state, role, trigger)`` for every decision a state waits for: the task list's rule."""
        return [(state, t.awaited_by, t) for t in self.triggers.values() if t.awaited_by for state in t.sources]

    def edges(self) -> list[tuple[str, str, list[str]]]:
        """``(source, dest, trigger names)``: triggers between the same two states share one edge."""
        edges: dict[tuple[str, str], list[str]] = {}
        for trigger in self.triggers.values():
            for source in trigger.sources:
                for dest in trigger.dests:
                    names = edges.setdefault((source, source if dest == STAY else dest), [])
                    if trigger.name not in names:
                        names.append(trigger.name)
        return [(source, dest, names) for (source, dest), names in edges.items()]

    def field_names(self) -> tuple[str, ...]:
        """Every input any trigger accepts (the API's accepted fields, aliases included), in first-declared
        order."""
        return tuple(dict.fromkeys(name for t in self.triggers.values() for name in t.field_names))

    # -- running -------------------------------------------------------------------------------------

    def fire(self, state: str, trigger_name: Any, context: ContextT) -> str:
        """Run ``trigger_name`` from ``state``: guards, checks, route; return the new state or raise."""
        trigger = self.trigger(trigger_name)
        current = self.state(state)
        if current.value not in trigger.sources:
            raise InvalidState("当前状态“%(state)s”下不能执行“%(trigger)s”", state=_(current.label),
                               trigger=_(trigger.label), details={"state": current.value, "trigger": trigger.name})
        flow = _Flow(current.value)
        self.machine.add_model(flow, initial=current.value)
        try:
            flow.trigger(trigger.name, context=context)  # type: ignore[attr-defined]
            return flow.state
        finally:
            self.machine.remove_model(flow)

    def permitted(self, state: str, context: ContextT) -> list[TriggerSpec]:
        """The triggers ``context``'s actor may fire from ``state`` (transitions' ``may_<trigger>``)."""
        candidates = self.triggers_from(state)
        if not candidates:
            return []
        flow = _Flow(state)
        self.machine.add_model(flow, initial=state)
        try:
            return [t for t in candidates if _may(flow, t.name, context)]
        finally:
            self.machine.remove_model(flow)

    def actions(self, state: str, context: ContextT) -> list[Action]:
        """What a screen offers: each permitted trigger with its label, inputs and style."""
        return [Action(t.name, t.label, t.fields, t.style, t.confirm) for t in self.permitted(state, context)]

    def with_trigger(self, trigger: TriggerSpec) -> WorkflowSpec[ContextT]:
        """A copy of this spec with one more trigger (its own machine; the original is untouched)."""
        return WorkflowSpec(self.name, self.states, [*self.triggers.values(), trigger], self.initial, self.on_enter,
                            self.stored_as)


def require_fields(trigger: TriggerSpec, inputs: Mapping[str, Any]) -> None:
    """ValidationFailed ``<field>_required`` for the first required input left empty."""
    for declared in trigger.fields:
        value = inputs.get(declared.name)
        empty = value is None or (isinstance(value, str) and not value.strip()) or \
            (isinstance(value, (list, dict)) and not value)
        if declared.required and empty:
            raise ValidationFailed("请填写%(label)s", code=f"{declared.name}_required", field=declared.name,
                                   label=_(declared.label))


def _may(flow: _Flow, name: str, context: Any) -> bool:
    try:
        return bool(getattr(flow, f"may_{name}")(context=context, probe=True))
    except DomainError:
        return False


def _condition_callback(condition: Condition) -> Callable[[EventData], bool]:
    def check(event: EventData) -> bool:
        return condition(event.kwargs["context"])
    return check


def check_constraint(column: str, states: Iterable[StateEnum]) -> str:
    """The SQL CHECK expression keeping ``column`` within the declared states."""
    return f"{column} IN ({', '.join(repr(s.value) for s in states)})"


"""Opinions (审查意见 / 审批意见): the text a person writes on a decision, and where it is declared.

Every deciding trigger of the item workflow takes an opinion: ``pass_review`` and ``approve`` an optional
``opinion`` input; ``return`` and ``reject`` their required ``reason``, which *is* their opinion (one box on
the form; the API accepts it as ``reason`` or as ``opinion``, ``workflow.spec.Field.aliases``). The opinion
of a decision is therefore the value of the trigger's input named, or aliased, ``opinion``; it is stored on
the decision row (``decisions.opinion``), on a route vote (``step_votes.opinion``) and in the audit event's
data, whatever the trigger calls its input.

Each such input declares built-in 常用意见 (``Field.phrases``); a user may keep their own list per decision
(``workflow.services.phrases``).
"""
from __future__ import annotations

from typing import Any, Mapping

from workflow.spec import Field, TriggerSpec, WorkflowSpec

#: The request name of a decision's opinion (DESIGN.md §7a: accepted on every deciding trigger).
OPINION = "opinion"
#: The longest opinion accepted, in characters (a 审批表 prints it in one box).
OPINION_MAX = 2000


def opinion_field(trigger: TriggerSpec) -> Field | None:
    """The input that is ``trigger``'s opinion (declared as, or aliased, ``opinion``), or None."""
    return trigger.input_named(OPINION)


def opinion_of(trigger: TriggerSpec, inputs: Mapping[str, Any]) -> str | None:
    """The opinion typed in for ``trigger`` (parsed ``inputs``), or None when it takes none or none was given."""
    field = opinion_field(trigger)
    value = inputs.get(field.name) if field is not None else None
    return value if isinstance(value, str) and value.strip() else None


def phrase_triggers(spec: WorkflowSpec[Any]) -> dict[str, TriggerSpec]:
    """The triggers whose opinion box offers 常用意见 (their opinion input declares built-in phrases), in
    declaration order: the decisions a user keeps a phrase list for."""
    return {name: trigger for name, trigger in spec.triggers.items()
            if (field := opinion_field(trigger)) is not None and field.phrases}


def opinion_label(spec: WorkflowSpec[Any], trigger: str) -> str | None:
    """The label (a msgid) of ``trigger``'s opinion box — 审查意见 or 审批意见 — or None."""
    declared = spec.triggers.get(trigger)
    field = opinion_field(declared) if declared is not None else None
    return field.label if field is not None else None

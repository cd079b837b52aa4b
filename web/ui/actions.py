"""The item page's actions, derived from the workflow spec: how they are grouped and how a form is read.

``items.item_actions`` answers which triggers the user may fire on the item and what each needs; this
module arranges them for the page and parses a posted action form by the trigger's declared fields, so
a trigger added to the spec appears (and works) without a change here or in the template.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from werkzeug.datastructures import MultiDict

from workflow.access import Actor
from workflow.checklist import ASSESSMENT, ASSESSMENT_PARTS, GROUND, PARTS, QUESTIONS, Question
from workflow.i18n import gettext as _
from workflow.spec import Action, Field, TriggerSpec, WorkflowSpec


@dataclass(frozen=True)
class ActionPanel:
    """What the item page offers, grouped by purpose.

    ``buttons``: actions without inputs (a button in the page header). ``forms``: actions asking for
    input, in the card of the item's state. ``refused``: labels of the decisions the state awaits that
    the user holds the role for but may not take (separation of duties: say so rather than hide it).
    ``shows_findings``: the state awaits a decision taking a list of findings (``pass_review``'s
    ``accept_findings``) and the user holds the role it awaits: the card shows the scan findings.
    ``findings_action``/``findings_field``: the offered action whose list input the findings table's
    checkbox column feeds, if any. ``decides``: a form offers one of the decisions the state awaits (the
    phone's bar then says 审查决定 / 审批决定; otherwise 办理).
    """

    state: str
    buttons: tuple[Action, ...]
    forms: tuple[Action, ...]
    refused: tuple[str, ...]
    shows_findings: bool
    findings_action: str | None = None
    findings_field: str | None = None
    decides: bool = False


def action_panel(spec: WorkflowSpec[Any], actor: Actor, state: str, department_id: int,
                 actions: list[Action]) -> ActionPanel:
    """Group ``actions`` (the permitted ones, in spec order) for the page of an item in ``state``."""
    offered = {action.name for action in actions}
    awaited = [trigger for trigger in spec.triggers_from(state) if trigger.awaited_by]
    holds = [trigger for trigger in awaited if actor.acts_as(str(trigger.awaited_by), department_id)]
    findings = next(((action.name, field.name) for action in actions for field in action.fields
                     if _lists_findings(field)), (None, None))
    return ActionPanel(
        state=state,
        buttons=tuple(action for action in actions if not _asks(action)),
        forms=tuple(action for action in actions if _asks(action)),
        refused=tuple(trigger.label for trigger in holds if trigger.name not in offered),
        shows_findings=any(_lists_findings(field) for trigger in holds for field in trigger.fields),
        findings_action=findings[0], findings_field=findings[1],
        decides=any(action.name in {trigger.name for trigger in awaited} for action in actions if _asks(action)),
    )


def _lists_findings(field: Field) -> bool:
    # a list input without choices of its own picks from the scan findings (the table's checkbox column)
    return field.kind == "multi" and not field.choices


def _asks(action: Action) -> bool:
    # a confirmation is asked in the form (a required checkbox), so an action needing one gets a form
    return action.needs_form or bool(action.confirm)


@dataclass(frozen=True)
class PartInput:
    """One input of a question's justification on the review form: its form name (``j_<key>_<part>``,
    the assessment's ``j_<key>_assessment_<name>``), label, kind, and the grounds that need it (labels;
    empty when a "yes" always needs it)."""

    name: str
    label: str
    kind: str
    max_len: int
    when: tuple[str, ...] = ()

    @property
    def when_text(self) -> str:
        """"（选择“…”时填写）" in the current language, or "" when a "yes" always needs it."""
        if not self.when:
            return ""
        return _("（选择“%(grounds)s”时填写）", grounds=_("”或“").join(_(label) for label in self.when))


@dataclass(frozen=True)
class QuestionForm:
    """A checklist question as the review form asks it: the question and the inputs a "yes" opens."""

    question: Question
    ground_name: str
    parts: tuple[PartInput, ...]

    @property
    def key(self) -> str:
        """The question's key (the radios are ``q_<key>``)."""
        return self.question.key

    @property
    def label(self) -> str:
        """The question (a msgid)."""
        return self.question.label

    @property
    def asks_more(self) -> bool:
        """Whether a "yes" opens inputs (a ground, particulars) on the form."""
        return self.question.needs_justification


def part_name(key: str, part: str, sub: str | None = None) -> str:
    """The form name of a justification input."""
    return f"j_{key}_{part}" + (f"_{sub}" if sub else "")


def _question_form(question: Question) -> QuestionForm:
    parts: list[PartInput] = []
    for name in question.all_parts:
        if name == GROUND:
            continue
        when = () if name in question.parts else tuple(g.label for g in question.grounds if name in g.parts)
        if name == ASSESSMENT:
            parts.extend(PartInput(part_name(question.key, name, sub.name), sub.label, sub.kind, sub.max_len, when)
                         for sub in ASSESSMENT_PARTS)
        else:
            part = PARTS[name]
            parts.append(PartInput(part_name(question.key, name), part.label, part.kind, part.max_len, when))
    return QuestionForm(question, part_name(question.key, GROUND), tuple(parts))


#: the checklist as the review form asks it (web/templates/item_actions.html), from the declarations
CHECKLIST_FORM: tuple[QuestionForm, ...] = tuple(_question_form(question) for question in QUESTIONS)


def _justifications(form: MultiDict[str, str] | Mapping[str, Any], answers: Mapping[str, bool]) -> dict[str, Any]:
    """The particulars typed in for each question answered "yes": the chosen ground and the inputs that
    ground (and the question) need; inputs left open for another ground or a "no" are not sent."""
    result: dict[str, Any] = {}
    for question in QUESTIONS:
        if not answers.get(question.key) or not question.needs_justification:
            continue
        entry: dict[str, Any] = {}
        chosen = _value(form, part_name(question.key, GROUND))
        if chosen is not None:
            entry[GROUND] = chosen
        ground = question.ground(chosen)
        for name in (*(ground.parts if ground else ()), *question.parts):
            if name == ASSESSMENT:
                texts = {sub.name: text for sub in ASSESSMENT_PARTS
                         if (text := _value(form, part_name(question.key, name, sub.name))) is not None}
                if texts:
                    entry[name] = texts
            elif (text := _value(form, part_name(question.key, name))) is not None:
                entry[name] = text
        if entry:
            result[question.key] = entry
    return result


def _answers(form: MultiDict[str, str] | Mapping[str, Any]) -> dict[str, bool]:
    # an answer other than yes/no is no answer (the verb names the question left open)
    return {question.key: form.get(f"q_{question.key}") == "yes" for question in QUESTIONS
            if form.get(f"q_{question.key}") in ("yes", "no")}


def _value(form: MultiDict[str, str] | Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def form_inputs(trigger: TriggerSpec, form: MultiDict[str, str] | Mapping[str, Any]) -> dict[str, Any]:
    """The inputs ``trigger`` declares, read from a posted form by their kind.

    A checklist comes from its ``q_<key>`` yes/no radios (``workflow.checklist.QUESTIONS``), the
    justifications from the ``j_<key>_<part>`` inputs of the questions answered "yes" (``_justifications``),
    a list input from all values of its name, any other input from its one value, trimmed. Empty values are
    left out: an empty optional box means "not given" (an empty ``publish_at`` keeps the item's own),
    an empty required one is reported by the verb ("请填写…"). Anything the trigger does not declare
    is ignored.
    """
    inputs: dict[str, Any] = {}
    for declared in trigger.fields:
        if declared.kind == "checklist":
            inputs[declared.name] = _answers(form)
        elif declared.kind == "justifications":
            justifications = _justifications(form, _answers(form))
            if justifications:
                inputs[declared.name] = justifications
        elif declared.kind == "confirm":
            if form.get(declared.name) in ("1", "on", "true"):   # a ticked box
                inputs[declared.name] = True
        elif declared.kind == "multi":
            values = form.getlist(declared.name) if isinstance(form, MultiDict) else form.get(declared.name)
            if values:
                inputs[declared.name] = list(values)
        else:
            value = form.get(declared.name)
            if isinstance(value, str) and value.strip():
                inputs[declared.name] = value.strip()
    return inputs

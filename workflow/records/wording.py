"""How the record says its facts: times in Asia/Shanghai, answers, decisions, steps, particulars.

Shared by the print view, the PDF, the verify page and the archive index, in the current locale.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from workflow import channels, checklist
from workflow.clock import SHANGHAI
from workflow.i18n import N_
from workflow.i18n import gettext as _
from workflow.item_states import ItemState

# The stage each row's decision belongs to (the submission ends the draft); withdrawing and taking down
# belong to none.
STAGE_OF = {"submit": ItemState.DRAFT.value, "pass_review": ItemState.SECRECY_REVIEW.value, "return": ItemState.SECRECY_REVIEW.value,
            "approve": ItemState.APPROVAL.value, "reject": ItemState.APPROVAL.value}
STAGE_LABELS = {state.value: state.label for state in ItemState}
ANSWER_LABELS = {True: N_("是"), False: N_("否"), None: N_("未询问")}


def moment(value: datetime | None) -> str:
    """An instant in Asia/Shanghai, as a Chinese form is dated: 2025年9月26日 10:00."""
    if value is None:
        return "—"
    local = value.astimezone(SHANGHAI)
    return _("%(year)d年%(month)d月%(day)d日 %(hour)02d:%(minute)02d", year=local.year, month=local.month,
             day=local.day, hour=local.hour, minute=local.minute)


def day(value: date | None) -> str:
    """A calendar date: 2025年9月26日."""
    if value is None:
        return "—"
    return _("%(year)d年%(month)d月%(day)d日", year=value.year, month=value.month, day=value.day)


def answer(value: bool | None) -> str:
    """是 / 否 / 未询问."""
    return _(ANSWER_LABELS[value])


def decision(kind: str) -> str:
    """The decision in plain words: the trigger's label (审查通过, 退回修改, 批准 …)."""
    from workflow.item_spec import TRIGGER_LABELS
    return _(TRIGGER_LABELS[kind]) if kind in TRIGGER_LABELS else kind


def stage(kind: str, step: str | None) -> str:
    """The row's stage and route step: 保密审查 · 保密办复审; the stage alone on the default route; "—" for a
    withdrawal or a take-down, which belong to no stage."""
    state = STAGE_OF.get(kind)
    label = _(STAGE_LABELS[state]) if state else "—"
    return _("%(stage)s · %(step)s", stage=label, step=_(step)) if step else label


def channel_list(codes: tuple[str, ...] | list[str]) -> str:
    """The channels by their Chinese labels, joined with 、."""
    return "、".join(_(channels.LABELS.get(code, code)) for code in codes) or "—"


def particulars(key: str, entry: Mapping[str, Any] | None, attachments: Mapping[int, str]) -> list[str]:
    """The particulars a "yes" to question ``key`` recorded, as lines: the ground with its legal source, then
    each detail (dates in words, the consent evidence by its file name)."""
    lines = []
    for line in checklist.describe_record({key: entry} if entry else {}, (), attachments):
        head = line["ground"]
        if line["source"]:
            head = _("%(ground)s（%(source)s）", ground=head, source=line["source"]) if head else line["source"]
        if head:
            lines.append(head)
        for label, value in line["details"]:
            lines.append(_("%(label)s：%(value)s", label=label, value=day(value) if isinstance(value, date) else value))
    return lines

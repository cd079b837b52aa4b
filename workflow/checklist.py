"""The secrecy-review checklist (保密审查清单): the questions a reviewer answers to pass an item.

Defined once here, with their labels: the review form, the API, the demo data and the guard all read
``QUESTIONS``. Every question is answered with a boolean; a "yes" to a blocking question means the item
cannot pass (it goes back to the drafter); a "yes" to ``personal_info`` passes only with the legal basis
for publishing it, which is recorded with the decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from workflow.errors import ValidationFailed
from workflow.i18n import N_
from workflow.i18n import gettext as _


@dataclass(frozen=True)
class Question:
    """One checklist question: its key in the API, its label, and what a "yes" means."""

    key: str
    label: str
    blocking: bool = True
    needs_legal_basis: bool = False

    def describe(self) -> dict[str, Any]:
        """The question as ``GET /api/v1/checklist`` gives it, in the caller's language: which answer
        blocks the pass (``blocks_on``, null when none) and what each answer requires (``requires``)."""
        requires = [{"when": True, "fields": ["legal_basis"]}] if self.needs_legal_basis else []
        return {"key": self.key, "question": _(self.label), "blocks_on": True if self.blocking else None,
                "requires": requires}


QUESTIONS: tuple[Question, ...] = (
    Question("state_secret", N_("是否涉及国家秘密")),
    Question("work_secret", N_("是否涉及工作秘密")),
    Question("commercial_secret", N_("是否涉及商业秘密")),
    Question("personal_info", N_("是否涉及个人信息/隐私"), blocking=False, needs_legal_basis=True),
    Question("sensitive", N_("是否含有敏感信息（危及安全稳定）")),
    Question("undecided", N_("是否属于正在调查、讨论、审议、处理的事项")),
)
KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)
LABELS: Mapping[str, str] = {q.key: q.label for q in QUESTIONS}
BLOCKING_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS if q.blocking)
ALL_CLEAR: Mapping[str, bool] = {key: False for key in KEYS}


def questions() -> list[dict[str, Any]]:
    """Every question, in order, described for clients (``Question.describe``)."""
    return [question.describe() for question in QUESTIONS]


def check_answers(checklist: Any, legal_basis: str | None) -> None:
    """All questions answered with booleans, none blocking, a legal basis where one is needed."""
    if not isinstance(checklist, dict):
        raise ValidationFailed("请完成保密审查清单", code="checklist_required", field="checklist")
    missing = [key for key in KEYS if key not in checklist]
    if missing:
        raise ValidationFailed("审查清单未完成：缺少 %(keys)s", code="checklist_incomplete", field="checklist",
                               keys=_labels(missing), details={"missing": missing})
    not_bool = [key for key in KEYS if not isinstance(checklist[key], bool)]
    if not_bool:
        raise ValidationFailed("审查清单的回答必须是“是”或“否”：%(keys)s", code="checklist_invalid",
                               field="checklist", keys=_labels(not_bool))
    unknown = sorted(set(checklist) - set(KEYS))
    if unknown:
        raise ValidationFailed("审查清单含有未知项：%(keys)s", code="checklist_invalid", field="checklist",
                               keys="、".join(str(key)[:40] for key in unknown[:10]))
    hits = [key for key in BLOCKING_KEYS if checklist[key]]
    if hits:
        raise ValidationFailed("审查清单显示含有不得公开的内容（%(keys)s），请退回修改", code="checklist_blocks",
                               field="checklist", keys=_labels(hits), details={"blocking": hits})
    needs_basis = [q.key for q in QUESTIONS if q.needs_legal_basis and checklist[q.key]]
    if needs_basis and not (legal_basis or "").strip():
        raise ValidationFailed("含有个人信息时须填写公开的法律依据", code="legal_basis_required", field="legal_basis")


def _labels(keys: list[str]) -> str:
    return "、".join(_(LABELS[key]) for key in keys)

"""The secrecy-review checklist (保密审查清单) as the law has it: the questions a reviewer answers to pass.

Each question is declared once in ``QUESTIONS``, with its legal source and what a "yes" means: it
blocks the pass (国家秘密, 工作秘密, 敏感信息), or it requires particulars the reviewer records — a ground
chosen among the question's ``grounds`` (each with the parts it needs: a reason, the consent's evidence)
and parts needed whatever the ground (the approval document, the impact assessment). The review form,
``GET /api/v1/checklist`` (``Question.describe``), the OpenAPI schema, the guard (``review``), the
decision record and the history's wording all read these declarations: one fact, one place
(docs/review.md lists the rules with their sources).

Answers stay booleans (``checklist``); the particulars come in one input, ``justifications``:
``{question_key: {ground?, reason?, evidence_attachment_id?, document_number?, document_date?,
assessment?: {purpose_necessity, impact_risks, protective_measures}}}``. The six questions of the first
checklist must be answered; the questions added later (``asked_since_v2``) may be absent: a client built
before them has not asked them, and the record says so (``Review.not_asked``) rather than inventing a no.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from workflow.errors import ValidationFailed
from workflow.i18n import N_
from workflow.i18n import gettext as _
from workflow.inputs import DATE_MIN, ID_MAX, parse_integer, parse_text

# --- the parts of a justification -------------------------------------------------------------------

GROUND = "ground"
REASON = "reason"
EVIDENCE = "evidence_attachment_id"
DOCUMENT_NUMBER = "document_number"
DOCUMENT_DATE = "document_date"
ASSESSMENT = "assessment"


@dataclass(frozen=True)
class Part:
    """One particular a justification may carry: its name, label, kind and size limit.

    ``kind``: ``choice`` (the ground), ``text`` (one line), ``multiline``, ``attachment`` (an attachment
    id of the item under review), ``date`` (not after today) or ``assessment`` (the ``ASSESSMENT_PARTS``).
    """

    name: str
    label: str
    kind: str
    max_len: int = 0


PARTS: Mapping[str, Part] = {part.name: part for part in (
    Part(GROUND, N_("依据"), "choice"),
    Part(REASON, N_("理由"), "multiline", 2000),
    Part(EVIDENCE, N_("同意的证明材料（本事项的附件）"), "attachment"),
    Part(DOCUMENT_NUMBER, N_("批准文件文号"), "text", 100),
    Part(DOCUMENT_DATE, N_("批准日期"), "date"),
    Part(ASSESSMENT, N_("个人信息保护影响评估"), "assessment"),
)}

# 个人信息保护法 Art. 56: what a personal-information protection impact assessment contains.
ASSESSMENT_PARTS: tuple[Part, ...] = (
    Part("purpose_necessity", N_("处理目的、处理方式等是否合法、正当、必要"), "multiline", 5000),
    Part("impact_risks", N_("对个人权益的影响及安全风险"), "multiline", 5000),
    Part("protective_measures", N_("所采取的保护措施是否合法、有效并与风险程度相适应"), "multiline", 5000),
)
ASSESSMENT_KEYS: tuple[str, ...] = tuple(part.name for part in ASSESSMENT_PARTS)


@dataclass(frozen=True)
class Ground:
    """One ground on which a "yes" may still pass: its value, label, legal source and the parts it needs."""

    value: str
    label: str
    source: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One checklist question: its key in the API, its label and short name, its legal source, and what
    a "yes" means — ``blocking`` (the item cannot pass), or requirements: the top-level ``legal_basis``
    text, one of ``grounds``, the ``parts`` needed whatever the ground, and ``implies`` (a yes here is a
    yes to that question too). ``asked_since_v2``: added after the first six; an absent answer means the
    client did not ask it."""

    key: str
    label: str
    short: str
    source: str
    blocking: bool = False
    legal_basis: bool = False
    grounds: tuple[Ground, ...] = ()
    parts: tuple[str, ...] = ()
    implies: str | None = None
    asked_since_v2: bool = False

    def ground(self, value: str | None) -> Ground | None:
        """The declared ground ``value``, or None."""
        return next((ground for ground in self.grounds if ground.value == value), None)

    @property
    def all_parts(self) -> tuple[str, ...]:
        """Every part a justification of this question may carry, in form order."""
        names = [GROUND] if self.grounds else []
        for name in (*(part for ground in self.grounds for part in ground.parts), *self.parts):
            if name not in names:
                names.append(name)
        return tuple(names)

    @property
    def needs_justification(self) -> bool:
        """Whether a "yes" needs anything in ``justifications``."""
        return bool(self.grounds or self.parts)

    def describe(self) -> dict[str, Any]:
        """The question as ``GET /api/v1/checklist`` gives it, in the caller's language: which answer
        blocks the pass (``blocks_on``, null when none), whether the key must be sent (``required``),
        and what each answer requires (``requires``: the inputs to fill in, named as paths —
        ``legal_basis``, ``justifications.<key>.<part>`` —, the grounds to choose from with what each
        needs, and the answers a yes implies)."""
        requires: list[dict[str, Any]] = []
        if not self.blocking and (self.legal_basis or self.needs_justification or self.implies):
            fields = (["legal_basis"] if self.legal_basis else []) \
                + ([self._path(GROUND)] if self.grounds else []) + [path for name in self.parts for path in self._paths(name)]
            rule: dict[str, Any] = {"when": True, "fields": fields}
            if self.grounds:
                rule["grounds"] = [{"ground": ground.value, "label": _(ground.label), "source": _(ground.source),
                                    "fields": [path for name in ground.parts for path in self._paths(name)]}
                                   for ground in self.grounds]
            if self.implies:
                rule["answers"] = {self.implies: True}
            requires.append(rule)
        return {"key": self.key, "question": _(self.label), "source": _(self.source),
                "blocks_on": True if self.blocking else None, "required": not self.asked_since_v2,
                "requires": requires}

    def _path(self, part: str) -> str:
        return f"justifications.{self.key}.{part}"

    def _paths(self, part: str) -> list[str]:
        if part == ASSESSMENT:
            return [f"{self._path(ASSESSMENT)}.{name}" for name in ASSESSMENT_KEYS]
        return [self._path(part)]


# 政府信息公开条例 Art. 15: a third party's 商业秘密 / 个人隐私 may be published with its consent or when
# withholding it would seriously affect the public interest.
CONSENT = Ground("consent", N_("权利人同意公开"), N_("《政府信息公开条例》第十五条"), (EVIDENCE,))
PUBLIC_INTEREST = Ground("public_interest", N_("不公开会对公共利益造成重大影响"),
                         N_("《政府信息公开条例》第十五条"), (REASON,))
# 个人信息保护法 Art. 13 ¶1: the bases of processing (publishing is processing, Art. 4); Art. 25: publishing
# needs separate consent unless another basis applies — the reviewer records which.
PIPL_BASES: tuple[Ground, ...] = (
    Ground("separate_consent", N_("取得个人的单独同意"), N_("《个人信息保护法》第十三条第一款第一项、第二十五条"),
           (EVIDENCE,)),
    Ground("contract_hr", N_("订立、履行合同或者实施人力资源管理所必需"),
           N_("《个人信息保护法》第十三条第一款第二项")),
    Ground("legal_duty", N_("履行法定职责或者法定义务所必需"), N_("《个人信息保护法》第十三条第一款第三项")),
    Ground("emergency", N_("应对突发公共卫生事件或者紧急情况下保护生命健康和财产安全所必需"),
           N_("《个人信息保护法》第十三条第一款第四项")),
    Ground("news", N_("为公共利益实施新闻报道、舆论监督"), N_("《个人信息保护法》第十三条第一款第五项")),
    Ground("already_public", N_("个人自行公开或者其他已经合法公开的个人信息"),
           N_("《个人信息保护法》第十三条第一款第六项")),
    Ground("other_law", N_("法律、行政法规规定的其他情形"), N_("《个人信息保护法》第十三条第一款第七项"),
           (REASON,)),
)
# 政府信息公开条例 Art. 16: 过程性信息 "可以不予公开" — a judgement. Passing it means publishing anyway.
PROCESS_GROUNDS: tuple[Ground, ...] = (
    Ground("publicity", N_("公示期内的公示，依规定公开"), N_("《政府信息公开条例》第十六条"), (REASON,)),
    Ground("publish_anyway", N_("经判断仍予公开"), N_("《政府信息公开条例》第十六条"), (REASON,)),
)

QUESTIONS: tuple[Question, ...] = (
    Question("state_secret", N_("是否涉及国家秘密"), N_("国家秘密"),
             N_("《保守国家秘密法》第三十五条"), blocking=True),
    Question("work_secret", N_("是否涉及工作秘密"), N_("工作秘密"),
             N_("《保守国家秘密法》第六十四条、《保守国家秘密法实施条例》"), blocking=True),
    Question("commercial_secret", N_("是否涉及商业秘密"), N_("商业秘密"),
             N_("《政府信息公开条例》第十五条"), grounds=(CONSENT, PUBLIC_INTEREST)),
    Question("personal_info", N_("是否涉及个人信息/隐私"), N_("个人信息"),
             N_("《个人信息保护法》第十三条、第二十五条"), legal_basis=True, grounds=PIPL_BASES),
    Question("sensitive_personal_info", N_("是否涉及敏感个人信息（身份证号、健康、金融账户、行踪等）"),
             N_("敏感个人信息"), N_("《个人信息保护法》第二十八条、第五十五条、第五十六条"),
             parts=(ASSESSMENT,), implies="personal_info", asked_since_v2=True),
    Question("sensitive", N_("是否含有敏感信息（危及安全稳定）"), N_("敏感信息"),
             N_("《政府信息公开条例》第十四条、《保守国家秘密法实施条例》"), blocking=True),
    Question("undecided", N_("是否属于正在调查、讨论、审议、处理的事项"), N_("过程性信息"),
             N_("《政府信息公开条例》第十六条"), grounds=PROCESS_GROUNDS),
    Question("prior_approval", N_("是否依法需要事先批准"), N_("事先批准"),
             N_("《政府信息公开条例》第十一条、《高等学校信息公开办法》第五条"),
             parts=(DOCUMENT_NUMBER, DOCUMENT_DATE), asked_since_v2=True),
)
BY_KEY: Mapping[str, Question] = {q.key: q for q in QUESTIONS}
KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)
REQUIRED_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS if not q.asked_since_v2)
LABELS: Mapping[str, str] = {q.key: q.label for q in QUESTIONS}
BLOCKING_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS if q.blocking)
ALL_CLEAR: Mapping[str, bool] = {key: False for key in KEYS}
#: the six answers of the first checklist, all "no": what a client written before the new questions sends
FIRST_SIX_CLEAR: Mapping[str, bool] = {key: False for key in REQUIRED_KEYS}


def questions() -> list[dict[str, Any]]:
    """Every question, in order, described for clients (``Question.describe``)."""
    return [question.describe() for question in QUESTIONS]


@dataclass(frozen=True)
class Review:
    """A checklist that passes: the answers given, the new questions not asked, the particulars recorded
    (normalised: ids as integers, dates ISO, text trimmed) and the impact assessment, if one is due."""

    answers: dict[str, bool]
    not_asked: tuple[str, ...]
    justifications: dict[str, dict[str, Any]]

    @property
    def assessment(self) -> dict[str, str] | None:
        """The 个人信息保护影响评估 recorded with this review (sensitive personal information), or None."""
        for key, entry in self.justifications.items():
            if ASSESSMENT in entry and self.answers.get(key):
                return dict(entry[ASSESSMENT])
        return None


def review(checklist: Any, legal_basis: str | None, justifications: Any = None, *,
           attachment_ids: frozenset[int] = frozenset(), today: date | None = None) -> Review:
    """The checklist judged: every question of the first six answered with a boolean, no blocking
    "yes", and for every other "yes" what its declaration requires. ValidationFailed (422) names the
    first problem in plain Chinese; nothing is recorded unless the whole checklist passes."""
    answers = _answers(checklist)
    hits = [key for key in BLOCKING_KEYS if answers.get(key)]
    if hits:
        raise ValidationFailed("审查清单显示含有不得公开的内容（%(keys)s），请退回修改", code="checklist_blocks",
                               field="checklist", keys=_labels(hits), details={"blocking": hits})
    for question in QUESTIONS:
        if question.implies and answers.get(question.key) and answers.get(question.implies) is False:
            raise ValidationFailed("审查清单前后矛盾：选择了“%(yes)s”，则“%(implied)s”应为“是”",
                                   code="checklist_inconsistent", field="checklist", yes=_(question.label),
                                   implied=_(LABELS[question.implies]))
    given = _justification_entries(justifications, answers)
    recorded: dict[str, dict[str, Any]] = {}
    for question in QUESTIONS:
        if not answers.get(question.key):
            continue
        if question.legal_basis and not (legal_basis or "").strip():
            raise ValidationFailed("含有个人信息时须填写公开的法律依据", code="legal_basis_required",
                                   field="legal_basis")
        if question.needs_justification:
            recorded[question.key] = _justification(question, given.get(question.key), attachment_ids, today)
    return Review(answers, tuple(key for key in KEYS if key not in answers), recorded)


def _answers(checklist: Any) -> dict[str, bool]:
    if not isinstance(checklist, dict):
        raise ValidationFailed("请完成保密审查清单", code="checklist_required", field="checklist")
    missing = [key for key in REQUIRED_KEYS if key not in checklist]
    if missing:
        raise ValidationFailed("审查清单未完成：缺少 %(keys)s", code="checklist_incomplete", field="checklist",
                               keys=_labels(missing), details={"missing": missing})
    unknown = sorted(str(key)[:40] for key in set(checklist) - set(KEYS))
    if unknown:
        raise ValidationFailed("审查清单含有未知项：%(keys)s", code="checklist_invalid", field="checklist",
                               keys="、".join(unknown[:10]))
    not_bool = [key for key in KEYS if key in checklist and not isinstance(checklist[key], bool)]
    if not_bool:
        raise ValidationFailed("审查清单的回答必须是“是”或“否”：%(keys)s", code="checklist_invalid",
                               field="checklist", keys=_labels(not_bool))
    return {key: checklist[key] for key in KEYS if key in checklist}


def _justification_entries(value: Any, answers: Mapping[str, bool]) -> dict[str, Any]:
    """The ``justifications`` object: known question keys only, each answered "yes" and needing one."""
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed("审查依据（justifications）必须是以清单项为键的对象", code="invalid_type",
                               field="justifications")
    for key in value:
        question = BY_KEY.get(key) if isinstance(key, str) else None
        if question is None or not question.needs_justification:
            raise ValidationFailed("审查依据含有未知项或无须说明的项：%(key)s", code="justification_invalid",
                                   field="justifications", key=str(key)[:40])
        if not answers.get(key):
            raise ValidationFailed("“%(question)s”未回答“是”，不应填写其审查依据", code="justification_unexpected",
                                   field="justifications", question=_(question.label),
                                   details={"question": key})
    return value


def _justification(question: Question, entry: Any, attachment_ids: frozenset[int],
                   today: date | None) -> dict[str, Any]:
    """The particulars a "yes" to ``question`` needs, checked and normalised."""
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise ValidationFailed("“%(question)s”的审查依据必须是对象", code="invalid_type",
                               field=f"justifications.{question.key}", question=_(question.short))
    ground = None
    if question.grounds:
        choice = entry.get(GROUND)
        if choice in (None, ""):
            raise _missing(question, GROUND)
        ground = question.ground(choice if isinstance(choice, str) else None)
        if ground is None:
            raise ValidationFailed("请选择有效的%(label)s", code="invalid_value", field=question._path(GROUND),
                                   label=_label(question, GROUND))
    needed = (*((GROUND, *ground.parts) if ground else ()), *question.parts)
    extra = [str(name)[:40] for name in entry if name not in needed]
    if extra:
        raise ValidationFailed("“%(question)s”的审查依据不需要：%(parts)s", code="justification_invalid",
                               field=question._path(extra[0]), question=_(question.short),
                               parts="、".join(_(PARTS[name].label) if name in PARTS else name for name in extra[:5]))
    recorded: dict[str, Any] = {}
    for name in needed:
        recorded[name] = ground.value if name == GROUND and ground else \
            _part(question, PARTS[name], entry.get(name), attachment_ids, today)
    return recorded


def _part(question: Question, part: Part, value: Any, attachment_ids: frozenset[int], today: date | None) -> Any:
    field, label = question._path(part.name), _label(question, part.name)
    if part.kind in ("text", "multiline"):
        return parse_text(value, field, label=label, max_len=part.max_len, multiline=part.kind == "multiline")
    if part.kind == "attachment":
        attachment_id = parse_integer(value, field, label=label, maximum=ID_MAX)
        if attachment_id not in attachment_ids:
            raise ValidationFailed("%(label)s须是本事项的附件", code="evidence_not_attached", field=field, label=label)
        return attachment_id
    if part.kind == "date":
        return _document_date(value, field, label, today).isoformat()
    return _assessment(question, value)


def _document_date(value: Any, field: str, label: str, today: date | None) -> date:
    if value in (None, ""):
        raise ValidationFailed("请填写%(label)s", code="missing_field", field=field, label=label)
    try:
        day = date.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed("%(label)s须是有效日期（年-月-日）", code="invalid_value", field=field, label=label)
    if day < DATE_MIN or (today is not None and day > today):
        raise ValidationFailed("%(label)s不能晚于今天", code="invalid_value", field=field, label=label)
    return day


def _assessment(question: Question, value: Any) -> dict[str, str]:
    field = question._path(ASSESSMENT)
    if value in (None, "", {}):
        raise _missing(question, ASSESSMENT)
    if not isinstance(value, dict):
        raise ValidationFailed("个人信息保护影响评估必须是对象", code="invalid_type", field=field)
    extra = [str(name)[:40] for name in value if name not in ASSESSMENT_KEYS]
    if extra:
        raise ValidationFailed("个人信息保护影响评估含有未知项：%(parts)s", code="justification_invalid",
                               field=field, parts="、".join(extra[:5]))
    result: dict[str, str] = {}
    for part in ASSESSMENT_PARTS:
        text = parse_text(value.get(part.name), f"{field}.{part.name}",
                          label=_("个人信息保护影响评估：%(part)s", part=_(part.label)), max_len=part.max_len,
                          multiline=True)
        assert text is not None
        result[part.name] = text
    return result


def _missing(question: Question, part: str) -> ValidationFailed:
    return ValidationFailed("请填写%(label)s", code="justification_required", field=question._path(part),
                            label=_label(question, part), details={"question": question.key, "part": part})


def _label(question: Question, part: str) -> str:
    return _("“%(question)s”的%(part)s", question=_(question.short), part=_(PARTS[part].label))


def _labels(keys: list[str]) -> str:
    return "、".join(_(LABELS[key]) for key in keys)


# --- the record, in words ------------------------------------------------------------------------------

def describe_record(justifications: Mapping[str, Any] | None, not_asked: Any = (),
                    attachment_names: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
    """The grounds recorded with a pass, as people read them: one entry per question, ``{question,
    ground, source, details: [(label, value)]}`` (a value is text, or a ``date`` for the page to
    format), plus one entry for the questions not asked. Unknown keys (a record older or newer than this
    code) are skipped rather than shown raw."""
    names = attachment_names or {}
    lines: list[dict[str, Any]] = []
    for key, entry in (justifications or {}).items():
        question = BY_KEY.get(key)
        if question is None or not isinstance(entry, Mapping):
            continue
        ground = question.ground(entry.get(GROUND))
        details: list[tuple[str, Any]] = []
        for name in question.all_parts:
            if name == GROUND or name not in entry:
                continue
            details.extend(_detail(name, entry[name], names))
        lines.append({"question": _(question.short), "ground": _(ground.label) if ground else "",
                      "source": _(ground.source if ground else question.source), "details": details})
    asked_not = [_(LABELS[key]) for key in (not_asked or ()) if key in LABELS]
    if asked_not:
        lines.append({"question": _("未询问"), "ground": "、".join(asked_not), "source": "", "details": []})
    return lines


def _detail(name: str, value: Any, names: Mapping[int, str]) -> list[tuple[str, Any]]:
    label = _(PARTS[name].label)
    if name == EVIDENCE:
        return [(label, names.get(value) or _("附件 #%(id)s", id=value))]
    if name == DOCUMENT_DATE:
        try:
            return [(label, date.fromisoformat(str(value)))]
        except ValueError:
            return [(label, str(value))]
    if name == ASSESSMENT and isinstance(value, Mapping):
        return [(_(part.label), str(value.get(part.name, ""))) for part in ASSESSMENT_PARTS]
    return [(label, str(value))]

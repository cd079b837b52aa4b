"""The application workflow (依申请公开), declared once: states, actions, who may take them, what they take.

States keep the names stored in ``applications.state``; ``db.models.applications.APPLICATION_STATES``
lists the same values for the CHECK constraint, and building ``APPLICATION`` fails if the two differ.
Each action is one ``TriggerSpec``: its label, the states it leaves and enters, its permission guards
(who may take it here — a screen offers only what passes them), the inputs it takes (``Input``: name,
label, kind, required, bounds), the checks on those inputs and its effect. ``transition.run`` is the
one way to take an action; the API's ``/actions`` and ``/transitions`` bodies, the staff page's forms
and the OpenAPI document are derived from this module.

::

    received ──clarify──▶ clarifying ──supplement──▶ received         (补正: clock stopped, then restarted)
                          clarifying ──abandon────▶ abandoned         (视为放弃)
    received, replying ──consult──▶ consulting ──consulted──▶ received | replying   (third party: paused)
    received ──reply──▶ replying ──reply_sent──▶ replied              (the reply item passed approval)
    assign, extend, fee leave the state as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from db.models.applications import APPLICATION_STATES
from workflow.applications import clock_actions as clock
from workflow.applications import outcomes, reply
from workflow.applications.context import ActionContext
from workflow.errors import Forbidden, ValidationFailed
from workflow.i18n import N_, gettext
from workflow.inputs import parse_amount, parse_choice, parse_date, parse_datetime, parse_integer, parse_text
from workflow.spec import STAY, Field, Guard, Route, StateEnum, TriggerSpec, WorkflowSpec
from workflow.vocabulary import member

TEXT_MAX, NAME_MAX, CODE_MAX, SUPPLIED_MAX = 5000, 200, 32, 100_000
MONEY_MAX = 1_000_000


class ApplicationState(StateEnum):
    """A state of an application: stored value, staff label, colour, open or not, and the label the
    applicant reads on the public tracking page (which tells nothing internal)."""

    public_label: str

    def __new__(cls, value: str, label: str = "", colour: str = "secondary", is_open: bool = False,
                public_label: str = "") -> ApplicationState:
        return member(cls, value, label=label, colour=colour, is_open=is_open, public_label=public_label or label)

    RECEIVED = "received", N_("办理中"), "primary", True, N_("办理中")
    CONSULTING = "consulting", N_("征求第三方意见"), "info", True, N_("办理中（征求第三方意见）")
    CLARIFYING = "clarifying", N_("待申请人补正"), "warning", True, N_("待申请人补正")
    REPLYING = "replying", N_("答复审核中"), "primary", True, N_("答复审核中")
    REPLIED = "replied", N_("已答复"), "success", False, N_("已答复")
    ABANDONED = "abandoned", N_("视为放弃"), "dark", False, N_("已终止（视为放弃）")


S = ApplicationState
OPEN_STATES: tuple[str, ...] = tuple(s.value for s in S if s.is_open)
#: States in which the reply clock runs (not paused by a consultation, not stopped for 补正, not closed).
RUNNING_STATES: tuple[str, ...] = (S.RECEIVED.value, S.REPLYING.value)


# ------------------------------------------------------------------ inputs

@dataclass(frozen=True)
class Input(Field):
    """A declared input with the bounds its parser enforces and the API document states.

    Kinds beyond ``workflow.spec.Field``'s: ``department`` (a department code, looked up by the
    effect) and ``money`` (yuan, 0 to ``maximum``).
    """

    max_length: int = TEXT_MAX
    minimum: int | None = None
    maximum: int | None = None


def parse_input(field: Input, value: Any) -> Any:
    """``value`` parsed as ``field`` declares it; ValidationFailed naming the field otherwise."""
    if field.kind in ("text", "multiline", "department"):
        return parse_text(value, field.name, label=field.label, max_len=field.max_length, required=field.required,
                          multiline=field.kind == "multiline")
    if value is None or (isinstance(value, str) and not value.strip()):
        if field.required:
            raise ValidationFailed("请填写%(label)s", code="missing_field", field=field.name,
                                   label=gettext(field.label))
        return parse_amount(None, field.name, maximum=Decimal(field.maximum or 0)) if field.kind == "money" else None
    if field.kind == "integer":
        bounds = {"minimum": field.minimum if field.minimum is not None else 1}
        if field.maximum is not None:
            bounds["maximum"] = field.maximum
        return parse_integer(value, field.name, label=field.label, **bounds)
    if field.kind == "choice":
        return parse_choice(value, field.name, [code for code, _label in field.choices], label=field.label)
    if field.kind == "date":
        return parse_date(value, field.name)
    if field.kind == "datetime":
        return parse_datetime(value, field.name)
    if field.kind == "money":
        return parse_amount(value, field.name, maximum=Decimal(field.maximum or 0))
    raise AssertionError(f"no parser for input kind {field.kind!r}")


def inputs_parser(fields: tuple[Input, ...]) -> Guard:
    """The first check of an action: its declared inputs, parsed into ``change.values``."""
    def parse_inputs(change: ActionContext) -> None:
        for field in fields:
            change.values[field.name] = parse_input(field, change.inputs.get(field.name))
    return parse_inputs


def internal_only(change: ActionContext) -> None:
    """Fired by the code (the reply item's approval), never by a request."""
    if not change.internal:
        raise Forbidden("该操作由系统自动完成", code="internal_action")


def declare_action(name: str, label: str, sources: tuple[str, ...], dest: str, effect: Callable[[ActionContext], None], *,
            permission: tuple[Guard, ...] = (clock.admin_only,), fields: tuple[Input, ...] = (),
            checks: tuple[Guard, ...] = (), routes: tuple[Route, ...] = (), style: str = "outline-primary",
            confirm: str = "") -> TriggerSpec:
    """One action; its inputs are parsed (``inputs_parser``) before its own checks run."""
    return TriggerSpec(name=name, label=label, sources=tuple(str(s) for s in sources), dest=str(dest),
                       permission=permission, fields=fields, checks=(inputs_parser(fields), *checks), routes=routes,
                       effect=effect, style=style, confirm=confirm)


ON_HELP = N_("默认为今天；不得晚于今天，也不得早于上一计时事件")
OUTCOME_CHOICES = tuple((o.code, o.label) for o in outcomes.OUTCOMES)
REASON_MAX = max(len(o.reasons) for o in outcomes.OUTCOMES)

TRIGGERS = (
    declare_action("assign", N_("指定承办部门"), OPEN_STATES, STAY, clock.assign,
            fields=(Input("department", N_("承办部门"), "department", True, max_length=CODE_MAX),)),
    declare_action("clarify", N_("发出补正通知"), (S.RECEIVED,), S.CLARIFYING, clock.clarify,
            permission=(clock.admin_only, clock.clarify_allowed),
            fields=(Input("note", N_("需补正的内容"), "multiline", True,
                          help=N_("收到申请后7个工作日内，仅一次")),
                    Input("answer_by", N_("补正期限"), "date", help=N_("默认为15个工作日后"))),
            checks=(clock.clarify_deadline,)),
    declare_action("supplement", N_("已收到补正，重新计时"), (S.CLARIFYING,), S.RECEIVED, clock.supplement,
            fields=(Input("received_at", N_("收到补正的时间"), "datetime", help=N_("默认为现在")),
                    Input("request_text", N_("补正后的内容描述"), "multiline"),
                    Input("late_reason", N_("逾期补正的正当理由"), "multiline",
                          help=N_("补正期限已过时必填（《政府信息公开条例》第三十条）"))),
            checks=(clock.supplement_day,)),
    declare_action("excuse", N_("记录正当理由，延长补正期限"), (S.CLARIFYING,), STAY, clock.excuse,
            fields=(Input("reason", N_("申请人说明的正当理由"), "multiline", True),
                    Input("answer_by", N_("新的补正期限"), "date", help=N_("默认为15个工作日后"))),
            checks=(clock.clarify_deadline,)),
    declare_action("abandon", N_("逾期未补正，视为放弃"), (S.CLARIFYING,), S.ABANDONED, clock.abandon,
            permission=(clock.admin_only, clock.abandon_allowed), style="outline-danger",
            confirm=N_("确认按视为放弃处理并终止该申请？")),
    declare_action("consult", N_("征求第三方意见（暂停计时）"), (S.RECEIVED, S.REPLYING), S.CONSULTING, clock.consult,
            fields=(Input("third_party", N_("被征求意见的第三方"), "multiline", True, max_length=NAME_MAX),
                    Input("on", N_("征求意见日期"), "date", help=ON_HELP)),
            checks=(clock.consult_day,)),
    declare_action("consulted", N_("第三方已答复，恢复计时"), (S.CONSULTING,), S.RECEIVED, clock.consulted,
            routes=(Route(S.REPLYING.value, clock.has_reply_draft),),
            fields=(Input("on", N_("第三方答复日期"), "date", help=ON_HELP),),
            checks=(clock.resume_day,)),
    declare_action("extend", N_("延长答复期限（负责人同意）"), (S.RECEIVED, S.REPLYING), STAY, clock.extend,
            permission=(clock.admin_only, clock.office_head_only, clock.extend_allowed), style="outline-warning",
            fields=(Input("workdays", N_("延长的工作日数"), "integer", True, minimum=1),
                    Input("reason", N_("延长理由"), "multiline", True)),
            checks=(clock.extension_length,)),
    declare_action("reply", N_("起草答复（进入保密审查和审批）"), (S.RECEIVED,), S.REPLYING, reply.prepare_reply,
            permission=(reply.reply_allowed,), style="primary",
            fields=(Input("outcome", N_("答复类型"), "choice", True, OUTCOME_CHOICES),
                    Input("reason", N_("理由编号"), "integer", minimum=1, maximum=REASON_MAX,
                          help=N_("不予公开 1–8，无法提供 1–3，不予处理 1–5，其他处理 1–3")),
                    Input("supplied", N_("提供的信息"), "multiline", max_length=SUPPLIED_MAX)),
            checks=(reply.reply_outcome,)),
    declare_action("fee", N_("保存费用"), S.codes(), STAY, reply.record_fee, style="outline-secondary",
            fields=(Input("charged", N_("收取（元）"), "money", maximum=MONEY_MAX),
                    Input("waived", N_("减免（元）"), "money", maximum=MONEY_MAX),
                    Input("note", N_("说明"), "multiline"))),
    declare_action("reply_sent", N_("答复书已批准"), (S.REPLYING, S.CONSULTING), S.REPLIED, reply.reply_sent,
            permission=(internal_only,)),
)

APPLICATION: WorkflowSpec[ActionContext] = WorkflowSpec("application", ApplicationState, TRIGGERS, S.RECEIVED.value,
                                                        stored_as=APPLICATION_STATES)


def request_actions(spec: WorkflowSpec[ActionContext]) -> tuple[str, ...]:
    """The actions a request may name (``POST …/actions {action}``, ``…/transitions {trigger}``)."""
    return tuple(name for name, trigger in spec.triggers.items() if internal_only not in trigger.permission)


ACTIONS: tuple[str, ...] = request_actions(APPLICATION)


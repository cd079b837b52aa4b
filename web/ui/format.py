"""Locale-aware formatting for templates (Flask-Babel): dates, times, numbers, labels, badges."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from web.core import core
from workflow import channels, checklist
from workflow import opinions as opinion_labels
from workflow.calendar import deadlines
from workflow.holders import Holding
from workflow.public_names import public_filename
from workflow.access import ROLE_LABELS
from workflow.i18n import N_
from workflow.i18n import gettext as _
from workflow.i18n import ngettext
from workflow.identity.directory_sync import ACTION_LABELS as DIRECTORY_ACTION_LABELS
from workflow.item_spec import ItemState, spec_of

STATE_COLOURS = {state.value: state.colour for state in ItemState}
# The history label of each audited item action that is not a trigger of the item spec; N_ marks them for
# extraction (they are translated when shown).
ACTION_LABELS = {"create": N_("创建草稿"), "edit": N_("修改草稿"), "revise": N_("发起修订"),
                 "attachment_add": N_("添加附件"), "attachment_remove": N_("删除附件"), "mask": N_("一键脱敏"),
                 "nudge": N_("催办"), "referral_opened": N_("提请保密工作部门审查"),
                 "referral_answered": N_("登记保密工作部门意见"), "incident_recorded": N_("登记泄密事件"),
                 "incident_reported": N_("报告泄密事件"), "assessment_deleted": N_("删除个人信息影响评估记录"),
                 "reassign": N_("转办"), "sso_provision": N_("统一身份认证首次登录开通账号"),
                 "user_access": N_("修改用户角色与权限"), "im_ids_set": N_("设置企业微信 / 钉钉账号"),
                 **DIRECTORY_ACTION_LABELS}


def _is_zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def _parsed(value: date | datetime | str) -> date | datetime:
    """A date or date-time; views handed over as JSON carry them as ISO strings."""
    if not isinstance(value, str):
        return value
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def fdate(value: date | datetime | str | None, style: str = "medium") -> str:
    """A date in the user's locale (2025年9月26日 / Sep 26, 2025)."""
    if value is None or value == "":
        return "—"
    return format_date(_parsed(value), style)


def fdatetime(value: datetime | str | None, style: str = "medium") -> str:
    """A date-time in Asia/Shanghai, in the user's locale; ``short``/``minutes``: to the minute in words of
    the locale (2025年9月26日 10:00 / Sep 26, 2025 10:00) — never the ISO form a person does not read."""
    if value is None or value == "":
        return "—"
    value = _parsed(value)
    if style in ("short", "minutes"):
        return format_datetime(value, "y年M月d日 HH:mm" if _is_zh() else "MMM d, y HH:mm")
    return format_datetime(value, style)


def fnumber(value: Any) -> str:
    """A number with locale grouping."""
    return format_decimal(value or 0)


def state_label(state: str | None) -> str:
    """The translated label of a state of the instance's item spec (the raw value when unknown)."""
    return spec_of(core()).state_label(state) if state else "—"


def trigger_label(trigger: str | None) -> str:
    """The translated label of a trigger of the instance's item spec, or of an audit action."""
    if not trigger:
        return "—"
    spec = spec_of(core())
    if trigger in spec.triggers:
        return spec.trigger_label(trigger)
    return _(ACTION_LABELS.get(trigger, N_("其他操作")))


def opinion_label(trigger: str | None) -> str:
    """The translated label of a decision's opinion — 审查意见 or 审批意见 — or 意见 for any other trigger."""
    label = opinion_labels.opinion_label(spec_of(core()), trigger) if trigger else None
    return _(label) if label else _("意见")


def channel_label(channel: str) -> str:
    """The translated label of a publication channel."""
    return _(channels.LABELS.get(channel, channel))


def role_label(role: str) -> str:
    """The translated label of a role."""
    return _(ROLE_LABELS.get(role, role))


#: How an account came to be (users.auth_source).
AUTH_SOURCE_LABELS = {"local": N_("本地账号"), "cas": N_("统一身份认证"), "ldap": N_("校园目录")}


def auth_source_label(source: str) -> str:
    """The translated label of an account's origin (本地账号 / 统一身份认证 / 校园目录)."""
    return _(AUTH_SOURCE_LABELS.get(source, source))


def due_status(calendar: Any, due: datetime | None, now: datetime) -> dict[str, Any]:
    """Traffic light for a due date: red (overdue), amber (due within 1 working day), green (ok)."""
    left = deadlines.workdays_left(calendar, due, now)
    if left is None:
        return {"colour": "secondary", "label": _("无期限"), "left": None}
    if due is not None and now > due:
        late = -left if left else 0
        return {"colour": "danger", "label": ngettext("已超期 %(num)d 个工作日", "已超期 %(num)d 个工作日", late)
                if late else _("已超期"),
                "left": left}
    if left <= 1:
        return {"colour": "warning", "label": _("今日到期") if left == 0 else _("剩 1 个工作日"), "left": left}
    return {"colour": "success", "label": _("剩 %(n)s 个工作日", n=left), "left": left}


@dataclass(frozen=True)
class HoldingLabels:
    """「当前步骤」 and 「当前处理人」 of one listed item, as a screen or a sheet shows them."""

    step: str
    holders: str


def holding_labels(item: Any, holding: Holding | None) -> HoldingLabels:
    """The one wording of "step + who must act" for 我的待办, 部门待办, 超期预警 and its export.

    The step is the active route step's name through gettext (a default label is a msgid; a name an
    admin typed comes back as it is), or on the default route the stage's label while the item is open
    (draft, review, approval), else "—". The holders are their names joined with 「、」, with 「还需 N 人」
    when the step still needs more than one vote (a 会签 or N-of-M step), or "—" when nobody holds it."""
    holding = holding or Holding()
    if holding.step:
        step = _(holding.step)
    elif item.state in spec_of(core()).open_states:
        step = state_label(item.state)
    else:
        step = "—"
    names = holding.names or "—"
    if holding.people and holding.missing is not None and holding.missing > 1:
        names = _("%(names)s（还需 %(n)d 人）", names=holding.names, n=holding.missing)
    return HoldingLabels(step, names)


def review_grounds(data: dict[str, Any] | None, attachments: Any = ()) -> list[dict[str, Any]]:
    """The grounds a pass_review recorded (its audit event's ``justifications`` and ``not_asked``), in plain
    words for the history: ``[{question, ground, source, details: [(label, text)]}]``; dates in the user's
    locale, consent evidence by its file name."""
    data = data or {}
    names = {attachment.id: attachment.filename for attachment in attachments or ()}
    lines = checklist.describe_record(data.get("justifications"), data.get("not_asked"), names)
    for line in lines:
        line["details"] = [(label, fdate(value) if isinstance(value, date) else value)
                           for label, value in line["details"]]
    return lines


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.jinja_env.filters.update(public_filename=public_filename, fdate=fdate, fdatetime=fdatetime, fnumber=fnumber, state_label=state_label,
                                 trigger_label=trigger_label, channel_label=channel_label, role_label=role_label,
                                 opinion_label=opinion_label, auth_source_label=auth_source_label)
    app.jinja_env.globals.update(STATE_COLOURS=STATE_COLOURS, is_zh=_is_zh, review_grounds=review_grounds,
                                 holding_labels=holding_labels)

"""The fixed list of reply outcomes, matching the State Council statistics table (国办公开办函〔2021〕30号).

Outcome codes are stable API values; reasons are numbered as the table's sub-rows (1-based).
Each outcome, and each of its reasons, carries the legal basis the reply letter cites (条例 2019
articles; empty where no single article applies, e.g. 其他). docs/applications.md lists them.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.errors import ValidationFailed
from workflow.i18n import N_, gettext


@dataclass(frozen=True)
class Outcome:
    """One outcome row (（一）予以公开 …) and its numbered reason sub-rows, if any."""

    code: str
    numeral: str
    label: str
    reasons: tuple[str, ...] = ()
    #: The legal basis of the outcome itself (outcomes without reasons), cited in the reply letter.
    basis: str = ""
    #: The legal basis of each reason, in the order of ``reasons`` ("" where none is cited).
    reason_bases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.reason_bases) != len(self.reasons):
            raise AssertionError(f"outcome {self.code}: one legal basis per reason")


#: The regulation most bases cite (中华人民共和国政府信息公开条例, 2019).
REGULATION = "《中华人民共和国政府信息公开条例》"

OUTCOMES: tuple[Outcome, ...] = (
    Outcome("disclosed", "（一）", N_("予以公开"), basis=f"{REGULATION}第三十六条第（二）项"),
    Outcome("partial", "（二）", N_("部分公开"), basis=f"{REGULATION}第三十七条"),
    Outcome("withheld", "（三）", N_("不予公开"), (
        N_("属于国家秘密"), N_("其他法律行政法规禁止公开"), N_("危及\u201c三安全一稳定\u201d"), N_("保护第三方合法权益"),
        N_("属于三类内部事务信息"), N_("属于四类过程性信息"), N_("属于行政执法案卷"), N_("属于行政查询事项")),
        reason_bases=(f"{REGULATION}第十四条", f"{REGULATION}第十四条", f"{REGULATION}第十四条",
                      f"{REGULATION}第十五条", f"{REGULATION}第十六条第一款", f"{REGULATION}第十六条第二款",
                      f"{REGULATION}第十六条第二款", f"{REGULATION}第三十六条第（七）项")),
    Outcome("unavailable", "（四）", N_("无法提供"), (
        N_("本机关不掌握相关政府信息"), N_("没有现成信息需要另行制作"), N_("补正后申请内容仍不明确")),
        reason_bases=(f"{REGULATION}第三十六条第（四）项、第（五）项", f"{REGULATION}第三十八条",
                      f"{REGULATION}第三十条")),
    Outcome("not_handled", "（五）", N_("不予处理"), (
        N_("信访举报投诉类申请"), N_("重复申请"), N_("要求提供公开出版物"), N_("无正当理由大量反复申请"),
        N_("要求行政机关确认或重新出具已获取信息")),
        reason_bases=(f"{REGULATION}第三十九条第一款", f"{REGULATION}第三十六条第（六）项",
                      f"{REGULATION}第三十九条第二款", f"{REGULATION}第三十五条", "")),
    Outcome("other", "（六）", N_("其他处理"), (
        N_("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        N_("申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        N_("其他")),
        reason_bases=(f"{REGULATION}第三十条", f"{REGULATION}第四十二条", "")),
)
BY_CODE = {outcome.code: outcome for outcome in OUTCOMES}

def choice_value(code: str, reason: int | None = None) -> str:
    """One value for an outcome and its reason, as a form's single choice carries it: ``withheld:1``."""
    return f"{code}:{reason}" if reason else code


def split_choice(value: str) -> tuple[str, str]:
    """``withheld:1`` → ``("withheld", "1")``; ``disclosed`` → ``("disclosed", "")``."""
    code, _sep, reason = value.partition(":")
    return code, reason


#: The outcome recorded when an applicant does not supplement in time (视为放弃).
ABANDONED = ("other", 1)


def validate(code: object, reason: object) -> tuple[str, int | None]:
    """``(code, reason)`` checked against the list: a reason exactly when the outcome has reasons."""
    if not isinstance(code, str) or code not in BY_CODE:
        raise ValidationFailed("未知的答复类型：%(outcome)s", code="invalid_value", field="outcome",
                               outcome=str(code)[:40])
    outcome = BY_CODE[code]
    if not outcome.reasons:
        if reason not in (None, "", 0):
            raise ValidationFailed("答复类型“%(label)s”不需要理由编号", code="invalid_value", field="reason",
                                   label=gettext(outcome.label))
        return code, None
    try:
        number = int(reason)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed("答复类型“%(label)s”须选择理由（1–%(n)d）", code="missing_field", field="reason",
                               label=gettext(outcome.label), n=len(outcome.reasons)) from None
    if isinstance(reason, bool) or not 1 <= number <= len(outcome.reasons):
        raise ValidationFailed("答复类型“%(label)s”须选择理由（1–%(n)d）", code="invalid_value", field="reason",
                               label=gettext(outcome.label), n=len(outcome.reasons))
    return code, number


def legal_basis(code: str, reason: int | None) -> str:
    """The legal basis of an outcome (and reason) as the letter cites it; empty where none is recorded."""
    outcome = BY_CODE[code]
    if outcome.reasons:
        return outcome.reason_bases[reason - 1] if reason and 1 <= reason <= len(outcome.reasons) else ""
    return outcome.basis


def describe(code: str | None, reason: int | None) -> str:
    """``"不予公开（属于国家秘密）"`` in the current locale; empty for no outcome."""
    if not code or code not in BY_CODE:
        return ""
    outcome = BY_CODE[code]
    if reason and outcome.reasons and 1 <= reason <= len(outcome.reasons):
        return gettext("%(outcome)s（%(reason)s）", outcome=gettext(outcome.label),
                       reason=gettext(outcome.reasons[reason - 1]))
    return gettext(outcome.label)


def choices() -> list[dict[str, object]]:
    """The list as plain data (API, forms)."""
    return [{"code": o.code, "label": o.label,
             "reasons": [{"number": i, "label": text} for i, text in enumerate(o.reasons, 1)]} for o in OUTCOMES]

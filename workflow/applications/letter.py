"""The reply letter (by default 信息公开申请答复书): generated from a Chinese template.

The title, how the institution calls itself and the remedy sentence come from the settings section
``[reply_letter]`` (``workflow.applications.letter_settings``); the default is a college's letter with
申诉 to the competent education department. The letter shows the tracking number (受理编号) and the
legal basis of the outcome (``outcomes.legal_basis``). It is Chinese only, like the applicant's
correspondence: it is not translated with the interface. The text becomes the body of the reply item,
so it passes the same secrecy scan, review and approval as any disclosure item.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.applications.letter_settings import LetterWording
from workflow.applications.outcomes import BY_CODE, legal_basis

_OUTCOME_TEXT = {
    "disclosed": "经审查，您申请获取的信息属于公开范围，现予以公开，相关信息附后（或按您选择的方式提供）。",
    "partial": "经审查，您申请获取的信息中部分内容不应公开，%(self)s已作区分处理，现将可以公开的部分提供给您。",
    "withheld": "经审查，您申请获取的信息不予公开，理由：%(reason)s。",
    "unavailable": "经审查，%(self)s无法提供您申请获取的信息，理由：%(reason)s。",
    "not_handled": "经审查，您的申请不予处理，理由：%(reason)s。",
    "other": "关于您的申请，处理情况如下：%(reason)s。",
}


@dataclass(frozen=True)
class LetterData:
    """What the letter needs; plain values so the template stays pure."""

    institution: str
    tracking_no: str
    applicant_name: str
    received_on: date
    request_text: str
    outcome: str
    reason: int | None
    replied_on: date
    wording: LetterWording
    supplied: str = ""


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def render(data: LetterData) -> str:
    """The complete letter text (plain text, Chinese)."""
    outcome = BY_CODE[data.outcome]
    wording = data.wording
    reason = outcome.reasons[data.reason - 1] if outcome.reasons and data.reason else ""
    # The reasons are the State Council table's row labels (「本机关不掌握…」); in the letter the
    # institution speaks of itself as the settings say.
    reason = reason.replace("本机关", wording.self_reference)
    body = _OUTCOME_TEXT[data.outcome] % {"reason": reason, "self": wording.self_reference}
    basis = legal_basis(data.outcome, data.reason)
    request_excerpt = data.request_text.strip()
    if len(request_excerpt) > 300:
        request_excerpt = request_excerpt[:300] + "……"
    parts = [
        f"{data.institution}",
        wording.title,
        f"（受理编号：{data.tracking_no}）",
        "",
        f"{data.applicant_name}：",
        f"    {wording.self_reference}于{_cn_date(data.received_on)}收到您提出的信息公开申请，申请内容为：“{request_excerpt}”。"
        "根据《高等学校信息公开办法》和《中华人民共和国政府信息公开条例》的有关规定，现答复如下：",
        f"    {body}",
    ]
    if basis:
        parts.append(f"    依据：{basis}。")
    if data.supplied.strip():
        parts += ["", "    所提供的信息：", data.supplied.strip()]
    parts += [
        "",
        f"    {wording.remedy}",
        "",
        f"{data.institution}",
        f"{_cn_date(data.replied_on)}",
    ]
    return "\n".join(parts)

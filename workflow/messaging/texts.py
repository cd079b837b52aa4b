"""The Chinese text of an IM message: title, item, stage, due date in words, and the deep link."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from workflow import links
from workflow.clock import SHANGHAI
from workflow.i18n import _
from workflow.notifications import STAGE_LABELS
from workflow.plain_dates import plain_day

_LINK_LINE = re.compile(r"\n?(查看|View)[:：]\s*\S+\s*$")
# Markdown (and the HTML 企业微信 markdown accepts) in a title someone typed would be rendered: a drafter's
# ``[点此审批](https://…)`` would become a link in a department group. Each such character is shown as its
# full-width twin, which reads the same in Chinese text and is markup on no renderer (a backslash escape is
# not honoured by every client).
_MARKDOWN_PLAIN = str.maketrans({"\\": "＼", "`": "｀", "*": "＊", "_": "＿", "[": "［", "]": "］", "(": "（",
                                 ")": "）", "#": "＃", "<": "＜", ">": "＞", "!": "！", "|": "｜", "~": "～",
                                 "\r": " ", "\n": " "})


def markdown_plain(text: str) -> str:
    """``text`` (a title, a line of a person's input) made safe to put into markdown: shown, never rendered."""
    return text.translate(_MARKDOWN_PLAIN)


def plain_date(at: datetime | date | None) -> str:
    """``2025年9月30日 17:00`` (a date alone: ``2025年9月30日``), Asia/Shanghai; '' for none."""
    if at is None:
        return ""
    if isinstance(at, datetime):
        local = at.astimezone(SHANGHAI)
        return _("%(y)s年%(m)s月%(d)s日 %(hm)s", y=local.year, m=local.month, d=local.day, hm=local.strftime("%H:%M"))
    return plain_day(at)


def deep_link(settings: Any, item_id: int | None, application_id: int | None) -> str:
    """Where the message leads: the item page (reviewers and approvers decide there), the application, or the inbox."""
    if item_id is not None:
        return links.public_url(settings, f"/items/{item_id}")
    if application_id is not None:
        return links.public_url(settings, f"/applications/{application_id}")
    return links.public_url(settings, "/inbox")


def facts(row: Any) -> list[str]:
    """The lines of one notification: 事项, 环节, 期限 when it is about an item, else its own text."""
    if row.item_title is not None:
        lines = [_("事项：《%(title)s》", title=row.item_title)]
        if row.item_state in STAGE_LABELS:
            lines.append(_("环节：%(stage)s", stage=_(STAGE_LABELS[row.item_state])))
        if row.stage_due is not None and row.item_state in STAGE_LABELS:
            lines.append(_("期限：%(due)s", due=plain_date(row.stage_due)))
        return lines
    body = _LINK_LINE.sub("", row.body or "").strip()
    return [line for line in body.splitlines() if line.strip()][:4]


def robot_text(title: str, lines: list[str], link: str) -> str:
    """Markdown for a group robot (both platforms read this subset)."""
    return "\n".join([f"**{markdown_plain(title)}**", ""] + [f"> {markdown_plain(line)}" for line in lines]
                     + ["", f"[{_('查看详情')}]({link})"])


def digest_lines(rows: list[Any]) -> list[str]:
    """One line per notification of a digest (at most 10, then how many more)."""
    lines = [f"{i}. {row.title}" for i, row in enumerate(rows[:10], 1)]
    if len(rows) > 10:
        lines.append(_("另有 %(n)s 条，请在平台查看", n=len(rows) - 10))
    return lines

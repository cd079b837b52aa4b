"""Dates and times as people read them in mails, the inbox, IM cards and messages: 2025年10月20日 17:00, never ISO.

(Pages format through the templates' ``fdate`` / ``fdatetime`` filters, with Babel; these are the texts written
once, in the recipient's language, by the workflow.)
"""
from __future__ import annotations

from datetime import date, datetime

from workflow.clock import SHANGHAI
from workflow.i18n import _


def plain_day(day: date) -> str:
    """``2025年10月20日`` (``Oct 20, 2025``-style in English through the catalogue)."""
    return _("%(y)s年%(m)s月%(d)s日", y=day.year, m=day.month, d=day.day)


def plain_moment(at: datetime | None) -> str:
    """``2025年10月20日 17:00`` in Asia/Shanghai; ``-`` when there is none."""
    if at is None:
        return "-"
    local = at.astimezone(SHANGHAI)
    return f"{plain_day(local.date())} {local:%H:%M}"

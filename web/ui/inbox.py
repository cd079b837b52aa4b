"""消息 (inbox) and the user's settings (notification preference, language).

The notifications feature (``workflow.services.notifications``) is delivered separately; until
it exists these pages say so instead of showing anything made up.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from web.app import core
from web.ui.common import actor, optional_module, try_verb
from workflow.i18n import gettext as _
from workflow.services import users

bp = Blueprint("inbox", __name__)
PREFS = (("instant", "即时邮件"), ("daily_digest", "每日摘要（工作日 09:00）"), ("off", "不发邮件（仅站内消息）"))


def _notifications() -> Any | None:
    return optional_module("workflow.services.notifications")


@bp.get("/inbox")
@login_required
def index():  # noqa: ANN201
    module = _notifications()
    page = None
    if module is not None and hasattr(module, "inbox"):
        page = module.inbox(core(), actor(), unread=request.args.get("unread") == "1", page=request.args.get("page"))
    return render_template("inbox.html", page=page, messages=list(page.items) if page else [],
                           available=page is not None)


@bp.post("/inbox/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):  # noqa: ANN201
    module = _notifications()
    if module is not None and hasattr(module, "mark_read"):
        try_verb(module.mark_read, core(), actor(), notification_id)
    return redirect(url_for("inbox.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():  # noqa: ANN201
    who = actor()
    module = _notifications()
    can_set = module is not None and hasattr(module, "set_preferences")
    status = 200
    if request.method == "POST" and can_set:
        _done, error = try_verb(module.set_preferences, core(), who,
                                {"notify_pref": request.form.get("notify_pref", "")}, success=_("设置已保存"))
        if error is None:
            return redirect(url_for("inbox.settings"))
        status = error.status
    elif request.method == "POST":
        flash(_("消息通知功能尚未启用"), "warning")
        status = 409
    user = users.user_by_name(core(), who.username)
    return render_template("settings.html", user=user, prefs=PREFS, can_set=can_set), status

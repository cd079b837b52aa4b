"""消息 (inbox) and the user's settings (notification preference, language)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor, try_verb
from workflow.i18n import gettext as _
from workflow.services import notifications, tokens, users

bp = Blueprint("inbox", __name__)
PREFS = (("instant", "即时邮件"), ("daily_digest", "每日摘要（工作日 09:00）"), ("off", "不发邮件（仅站内消息）"))


@bp.get("/inbox")
@login_required
def index() -> ResponseReturnValue:
    page = notifications.inbox_cards(core(), actor(), unread=request.args.get("unread") == "1",
                                     page=request.args.get("page"))
    return render_template("inbox.html", page=page, cards=list(page.items))


@bp.post("/inbox/read-all")
@login_required
def read_all() -> ResponseReturnValue:
    try_verb(notifications.mark_all_read, core(), actor(), success=_("已全部标为已读"))
    return redirect(url_for("inbox.index"))


@bp.post("/inbox/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> ResponseReturnValue:
    try_verb(notifications.mark_read, core(), actor(), notification_id)
    return redirect(url_for("inbox.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    who = actor()
    status = 200
    if request.method == "POST":
        _done, error = try_verb(notifications.set_preferences, core(), who,
                                {"notify_pref": request.form.get("notify_pref", "")}, success=_("设置已保存"))
        if error is None:
            return redirect(url_for("inbox.settings"))
        status = error.status
    user = users.user_by_name(core(), who.username)
    own_tokens = tokens.list_tokens(core(), who.username, who)
    return render_template("settings.html", user=user, prefs=PREFS, tokens=own_tokens), status

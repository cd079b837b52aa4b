"""消息 (inbox) and the user's settings (notification preference, 常用意见, language)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor, try_verb
from web.ui.delegation import delegation_form, settings_context
from workflow.i18n import gettext as _
from workflow.services import delegations, notifications, phrases, tokens, users

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
    return render_settings(status)


@bp.post("/settings/im")
@login_required
def set_im() -> ResponseReturnValue:
    """The person turns 企业微信 / 钉钉 messages on or off."""
    from workflow.services.im_accounts import set_im_enabled
    try_verb(set_im_enabled, core(), actor(), request.form.get("im_enabled") == "1", success=_("设置已保存"))
    return redirect(url_for("inbox.settings"))


def render_settings(status: int = 200, typed: dict[str, str] | None = None,
                    delegation_form: dict[str, str] | None = None) -> ResponseReturnValue:
    """The settings page; ``typed``: a phrase refused, kept in its decision's box; ``delegation_form``: a
    delegation refused, kept in the 「委托」 form."""
    who = actor()
    user = users.user_by_name(core(), who.username)
    own_tokens = tokens.list_tokens(core(), who.username, who)
    # 常用意见 of the decisions this user takes (a drafter has none to keep)
    lists = [entry for entry in phrases.phrase_lists(core(), who) if any(who.has_role(r) for r in entry.roles)]
    from workflow.services.im_accounts import my_accounts
    return render_template("settings.html", user=user, prefs=PREFS, im=my_accounts(core(), who), tokens=own_tokens, phrase_lists=lists,
                           phrase_max=phrases.PHRASE_MAX, typed=typed or {}, delegation_form=delegation_form or {},
                           **settings_context(who)), status


@bp.post("/settings/phrases/<decision>/add")
@login_required
def add_phrase(decision: str) -> ResponseReturnValue:
    """Add a phrase to the caller's list for ``decision``."""
    text = request.form.get("phrase", "")
    _done, error = try_verb(phrases.add_phrase, core(), actor(), decision, text, success=_("已添加常用意见"))
    if error is not None:
        return render_settings(error.status, {decision: text})
    return redirect(url_for("inbox.settings", _anchor="phrases"))


@bp.post("/settings/phrases/<decision>/remove")
@login_required
def remove_phrase(decision: str) -> ResponseReturnValue:
    """Remove a phrase from the caller's list for ``decision``."""
    try_verb(phrases.remove_phrase, core(), actor(), decision, request.form.get("phrase", ""),
             success=_("已删除常用意见"))
    return redirect(url_for("inbox.settings", _anchor="phrases"))


@bp.post("/settings/phrases/<decision>/reset")
@login_required
def reset_phrases(decision: str) -> ResponseReturnValue:
    """The built-in phrases for ``decision`` again."""
    try_verb(phrases.reset_phrases, core(), actor(), decision, success=_("已恢复默认的常用意见"))
    return redirect(url_for("inbox.settings", _anchor="phrases"))


@bp.post("/settings/delegation")
@login_required
def set_delegation() -> ResponseReturnValue:
    """委托 from the 设置 page: the form again with the reason when refused."""
    _done, error = try_verb(delegations.set_delegation, core(), actor(), delegation_form(), success=_("委托已设置"))
    if error is not None:
        return render_settings(error.status, delegation_form=delegation_form())
    return redirect(url_for("inbox.settings", _anchor="delegation"))


@bp.post("/settings/delegation/end")
@login_required
def end_delegation() -> ResponseReturnValue:
    """End one's own delegation now."""
    try_verb(delegations.end_delegation, core(), actor(), success=_("委托已结束"))
    return redirect(url_for("inbox.settings", _anchor="delegation"))

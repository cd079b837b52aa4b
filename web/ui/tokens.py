"""API tokens in the UI: a user revokes their own (个人设置); an admin sees and revokes anyone's."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor, require_admin, try_verb
from workflow.i18n import gettext as _
from workflow.services import tokens

bp = Blueprint("tokens", __name__)


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_own(token_id: int) -> ResponseReturnValue:
    who = actor()
    try_verb(tokens.revoke_tokens, core(), who.username, token_id=token_id, actor=who, success=_("令牌已撤销"))
    return redirect(url_for("inbox.settings"))


@bp.get("/admin/users/<username>/tokens")
@login_required
def admin_list(username: str) -> ResponseReturnValue:
    who = require_admin()
    return render_template("admin/user_tokens.html", username=username,
                           tokens=tokens.list_tokens(core(), username, who))


@bp.post("/admin/users/<username>/tokens/<int:token_id>/revoke")
@login_required
def admin_revoke(username: str, token_id: int) -> ResponseReturnValue:
    who = require_admin()
    try_verb(tokens.revoke_tokens, core(), username, token_id=token_id, actor=who, success=_("令牌已撤销"))
    return redirect(url_for("tokens.admin_list", username=username))

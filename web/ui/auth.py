"""Login, logout and password change (blueprint ``ui``: Flask-Login's login view is ``ui.login``)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from web.app import core
from web.auth import SessionUser
from web.ui.common import actor, try_verb
from web.ui.forms import LoginForm, PasswordForm
from workflow.errors import NotAuthenticated
from workflow.i18n import gettext as _
from workflow.services import users

bp = Blueprint("ui", __name__)


def _landing(who) -> str:  # noqa: ANN001
    """Admins land on 超期预警, everybody else on 我的待办."""
    return url_for("admin.overdue") if who.is_admin else url_for("tasks.index")


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    form = LoginForm()
    error = None
    if request.method == "POST":
        try:
            who = users.authenticate(core(), request.form.get("username", ""), request.form.get("password", ""))
        except NotAuthenticated as refused:
            error = refused.message
        else:
            login_user(SessionUser(who))
            target = request.args.get("next") or ""
            # Only local paths: an open redirect would let a phishing link borrow our login page.
            safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
            return redirect(target if safe else _landing(who))
    elif current_user.is_authenticated:
        return redirect(_landing(current_user.actor))
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():  # noqa: ANN201
    logout_user()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("ui.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():  # noqa: ANN201
    form = PasswordForm()
    status = 200
    if request.method == "POST":
        if form.new_password.data != form.confirm.data:
            flash(_("两次输入的新密码不一致"), "danger")
            status = 422
        else:
            _done, error = try_verb(users.change_password, core(), actor(), form.old_password.data or "",
                                    form.new_password.data or "", success=_("密码已修改"))
            if error is None:
                return redirect(url_for("tasks.index"))
            status = error.status
    return render_template("password.html", form=form), status

"""Login, logout and password change (blueprint ``ui``: Flask-Login's login view is ``ui.login``)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from web.core import core
from web.auth import SESSION_ID_KEY, SessionUser
from web.errors import wants_json
from web.safe_redirect import safe_next
from web.ui.common import actor, try_verb
from web.ui.forms import LoginForm, PasswordForm
from workflow.access import Actor
from workflow.errors import NotAuthenticated, TooManyAttempts
from workflow.i18n import gettext as _
from workflow.services import login as login_service
from workflow.services import sso, users

bp = Blueprint("ui", __name__)


def _landing(who: Actor) -> str:
    """Admins land on 超期预警, everybody else on 我的待办."""
    return url_for("admin.overdue") if who.is_admin else url_for("tasks.index")


def _refused(form: LoginForm, error: NotAuthenticated | TooManyAttempts) -> Response:
    """The login page again (or JSON) with the reason; 429 carries Retry-After."""
    if wants_json():
        response = jsonify(error.to_dict())
        response.status_code = error.status
    else:
        response = make_response(render_template("login.html", form=form, error=error.message,
                                                 cas_enabled=sso.cas_enabled(core())), error.status)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "POST":
        try:
            result = login_service.log_in(core(), request.form.get("username", ""), request.form.get("password", ""),
                                          request.remote_addr or "")
        except (NotAuthenticated, TooManyAttempts) as refused:
            return _refused(form, refused)
        # A fresh cookie: nothing from before the login (e.g. a planted session) carries over.
        session.clear()
        login_user(SessionUser(result.actor))
        session[SESSION_ID_KEY] = result.session_id
        return redirect(safe_next(request.args.get("next")) or _landing(result.actor))
    if current_user.is_authenticated:
        return redirect(_landing(current_user.actor))
    return render_template("login.html", form=form, error=None, cas_enabled=sso.cas_enabled(core()))


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    cas_logout = sso.log_out(core(), session.get(SESSION_ID_KEY))
    logout_user()
    session.clear()
    if cas_logout:  # the session came from 统一身份认证: end the single sign-on session there too
        return redirect(cas_logout)
    flash(_("您已安全退出"), "info")
    return redirect(url_for("ui.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    status = 200
    if request.method == "POST":
        if form.new_password.data != form.confirm.data:
            flash(_("两次输入的新密码不一致"), "danger")
            status = 422
        else:
            session_id, error = try_verb(users.change_password, core(), actor(), form.old_password.data or "",
                                         form.new_password.data or "", request.remote_addr or "",
                                         success=_("密码已修改，其他设备上的登录已退出"))
            if error is None:
                session[SESSION_ID_KEY] = session_id  # every other session ended; this browser keeps going
                return redirect(url_for("tasks.index"))
            status = error.status
    return render_template("password.html", form=form), status

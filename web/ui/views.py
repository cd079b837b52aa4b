"""Staff pages: login/logout and the landing page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from web.app import core
from web.auth import SessionUser
from workflow.errors import NotAuthenticated
from workflow.services import queries, users

bp = Blueprint("ui", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    error = None
    if request.method == "POST":
        try:
            actor = users.authenticate(core(), request.form.get("username", ""), request.form.get("password", ""))
        except NotAuthenticated as refused:
            error = refused.message
        else:
            login_user(SessionUser(actor))
            target = request.args.get("next") or ""
            # Only local paths: an open redirect would let a phishing link borrow our login page.
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("ui.index"))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():  # noqa: ANN201
    logout_user()
    return redirect(url_for("ui.login"))


@bp.get("/")
@login_required
def index():  # noqa: ANN201
    page = queries.my_tasks(core(), current_user.actor, page=request.args.get("page"))
    return render_template("index.html", page=page, now=core().now())

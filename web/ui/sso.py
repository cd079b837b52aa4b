"""统一身份认证 (CAS): the login redirect, the callback that validates the ticket, and single logout.

Thin: each route calls one verb of ``workflow/services/sso.py``; the protocol lives in ``workflow/identity/``.
"""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user

from web.auth import SESSION_ID_KEY, SessionUser
from web.core import core
from web.errors import wants_json
from web.extensions import csrf
from web.safe_redirect import safe_next
from workflow.errors import DomainError
from workflow.services import sso

bp = Blueprint("sso", __name__)


STATE_KEY = "cas_state"


@bp.get("/login/cas")
def cas_login() -> ResponseReturnValue:
    """Off to the CAS server's login page; it sends the browser back to the callback with a ticket. The random
    state kept in this browser's session must come back with it (workflow/services/sso.py ``cas_log_in``)."""
    session[STATE_KEY] = secrets.token_urlsafe(18)
    return redirect(sso.cas_login_url(core(), safe_next(request.args.get("next")), session[STATE_KEY]))


@bp.get("/login/cas/callback")
def cas_callback() -> ResponseReturnValue:
    """Validate the ticket server-side and log in; a refusal is a page saying why (nothing was created)."""
    next_path = safe_next(request.args.get("next"))
    try:
        result = sso.cas_log_in(core(), request.args.get("ticket"), next_path, request.args.get("state"),
                                session.pop(STATE_KEY, None), request.remote_addr or "")
    except DomainError as refused:
        if wants_json():
            raise
        return render_template("sso_error.html", message=refused.message), refused.status
    if result.session_id is None:
        # whoever was logged in in this browser before is not any more: the page speaks of another person
        sso.log_out(core(), session.get(SESSION_ID_KEY))
        logout_user()
        session.clear()
        return render_template("sso_no_roles.html", who=result.actor)
    # A fresh cookie: nothing from before the login (e.g. a planted session) carries over.
    session.clear()
    login_user(SessionUser(result.actor))
    session[SESSION_ID_KEY] = result.session_id
    landing = url_for("admin.overdue") if result.actor.is_admin else url_for("tasks.index")
    return redirect(next_path or landing)


# CSRF-exempt by necessity: the CAS server itself POSTs the single-logout request here (CAS 3.0 §2.3.3), server to
# server, without our form token. It can do no harm: the verb accepts only a well-formed SAML LogoutRequest, and all
# it can do is end the session opened with the service ticket it names (a secret only the CAS server and that
# browser ever saw), which is what the person asked for by logging out of the CAS server.
@bp.post("/login/cas/callback")
@csrf.exempt
def cas_single_logout() -> ResponseReturnValue:
    sso.single_logout(core(), request.form.get("logoutRequest"))
    return Response("", status=200, mimetype="text/plain")

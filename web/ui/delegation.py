"""委托 on /admin/delegations (the 设置 page's card: ``web.ui.inbox``); 转办 on the item page (docs/delegation.md)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import actor, try_verb
from workflow.access import Actor
from workflow.clock import local_date
from workflow.errors import NotFound
from workflow.i18n import gettext as _
from workflow.services import delegations, reassign

bp = Blueprint("delegation", __name__)


def settings_context(who: Actor) -> dict[str, Any]:
    """What the 设置 page's 「委托」 card shows: the delegation in force or to come, whom the user may name,
    whom they represent, the recent ones, and the default dates (today; a week)."""
    app = core()
    try:
        current = delegations.get_delegation(app, who)
    except NotFound:
        current = None
    return {"delegation": current, "delegates": delegations.eligible_delegates(app, who),
            "represented": delegations.represented(app, who), "delegation_history": delegations.history(app, who),
            "today": local_date(app.now()), "max_days": delegations.max_days(app)}


def delegation_form() -> dict[str, str]:
    """The posted 「委托」 form (the 设置 page's, the admin page's)."""
    return {name: request.form.get(name, "").strip() for name in delegations.FIELDS}


@bp.route("/admin/delegations", methods=["GET", "POST"])
@login_required
def admin_page() -> ResponseReturnValue:
    """Admins: every delegation in force or to come, each with 结束; a form to set one for any user."""
    who = actor()
    if not who.is_admin:
        abort(403)
    status, typed = 200, {}
    if request.method == "POST":
        typed = {**delegation_form(), "user": request.form.get("user", "").strip()}
        _done, error = try_verb(delegations.set_delegation, core(), who, delegation_form(), typed["user"] or who.username,
                                success=_("委托已设置"))
        if error is None:
            return redirect(url_for("delegation.admin_page"))
        status = error.status
    from flask import render_template
    app = core()
    return render_template("admin/delegations.html", rows=delegations.list_delegations(app, who),
                           people=delegations.eligible_delegates(app, who), typed=typed,
                           today=local_date(app.now())), status


@bp.post("/admin/delegations/<username>/end")
@login_required
def admin_end(username: str) -> ResponseReturnValue:
    if not actor().is_admin:
        abort(403)
    try_verb(delegations.end_delegation, core(), actor(), username, success=_("委托已结束"))
    return redirect(url_for("delegation.admin_page"))


@bp.post("/items/<int:item_id>/reassign")
@login_required
def reassign_vote(item_id: int) -> ResponseReturnValue:
    """转办 from the item page (admins)."""
    body = {name: request.form.get(name, "") for name in reassign.FIELDS}
    _done, error = try_verb(reassign.reassign, core(), actor(), item_id, body, success=_("已转办"))
    if error is not None:
        from web.ui.items import render_item
        return render_item(item_id, status=error.status, form_values=request.form.to_dict(), posted="reassign")
    return redirect(url_for("items.show", item_id=item_id, _anchor="route"))

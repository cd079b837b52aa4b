"""API: the caller's inbox and mail preferences; admin list of undeliverable mail."""
from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from web.api import bp
from web.api.openapi import INTEGER, PAGING, _op, _q, array, obj, path_id, ref, register_paths
from web.api.request import acting_user, json_body
from web.core import core
from workflow.services import notifications as service


@bp.get("/notifications")
def notifications() -> ResponseReturnValue:
    actor = acting_user()
    unread = request.args.get("unread", "").lower() in ("1", "true", "yes")
    page = service.inbox(core(), actor, unread=unread, page=request.args.get("page"),
                         per_page=request.args.get("per_page"))
    return jsonify({"items": [service.notification_to_dict(n) for n in page.items], "page": page.page,
                    "per_page": page.per_page, "total": page.total, "pages": page.pages})


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int) -> ResponseReturnValue:
    row = service.mark_read(core(), acting_user(), notification_id)
    return jsonify(service.notification_to_dict(row))


@bp.post("/notifications/read-all")
def notifications_read_all() -> ResponseReturnValue:
    return jsonify({"marked": service.mark_all_read(core(), acting_user())})


@bp.get("/me/preferences")
def get_preferences() -> ResponseReturnValue:
    return jsonify(service.preferences(core(), acting_user()))


@bp.put("/me/preferences")
def put_preferences() -> ResponseReturnValue:
    actor = acting_user()
    return jsonify(service.set_preferences(core(), actor, json_body()))


@bp.get("/admin/mail-failures")
def mail_failures() -> ResponseReturnValue:
    return jsonify(service.mail_failures(core(), acting_user()))


NID = path_id("notification_id")
register_paths({
    "/api/v1/notifications": {"get": _op("The caller's inbox, newest first", schema=ref("NotificationPage"),
                                         params=[_q("unread", description="1/true/yes: unread only"), *PAGING])},
    "/api/v1/notifications/{notification_id}/read": {"post": _op(
        "Mark a notification read (idempotent), with the earlier ones about the same item or application",
        params=[NID], write=True, schema=ref("Notification"))},
    "/api/v1/notifications/read-all": {"post": _op("全部已读: mark every unread notification of the caller read",
                                                   write=True, schema=obj({"marked": INTEGER}))},
    "/api/v1/me/preferences": {"get": _op("Mail preference", schema=ref("Preferences")),
                               "put": _op("Set mail preference", body=ref("PreferencesInput"),
                                          schema=ref("Preferences"))},
    "/api/v1/admin/mail-failures": {"get": _op("Admin: mail and 企业微信/钉钉 messages given up after retries (newest 200)",
                                               schema=array(ref("MailFailure")))},
})

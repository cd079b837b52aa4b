"""Item pages: create/edit a draft, the detail page with review/approval actions, attachments."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.actions import CHECKLIST_FORM, action_panel, form_inputs
from web.ui.common import actor, try_verb
from web.ui.diagram import state_diagram_svg
from web.ui.steps import item_steps
from web.ui.format import due_status
from web.ui.forms import ItemForm
from workflow.access import DRAFTER, Actor
from workflow.clock import SHANGHAI, local_date
from workflow.errors import DomainError
from workflow.channels import Channel
from workflow.i18n import gettext as _
from workflow.i18n import ngettext
from workflow.item_spec import enters_review, spec_of
from workflow.incidents import LEAK_LABELS
from workflow.referrals import DETERMINATION_LABELS
from workflow.opinions import opinion_field
from workflow.services import (attachments, catalog, incidents, item_scan, items, nudges, phrases, publication, queries,
                               reassign)

bp = Blueprint("items", __name__)


@dataclass(frozen=True)
class CatalogOption:
    """One 清单 entry as the picker offers it: its value, its label and a line describing it."""

    code: str
    label: str
    description: str


def _catalog_groups(keep: str | None = None) -> list[tuple[str, list[CatalogOption]]]:
    """The picker's groups: 清单 category → its entries, each with who is responsible, how often it is
    published and the documents it rests on. Entries marked 「不适用」 are not offered, except ``keep``
    (the entry a draft was filed under before it was marked)."""
    tree = catalog.catalog_tree(core())
    names = {d.code: d.name for d in queries.list_departments(core())}
    return [(f'{i}. {c["title"]}', [CatalogOption(e["code"], f'{e["code"]} {e["title"]}', _entry_description(e, names))
                                    for e in c["items"] if not e["not_applicable"] or e["code"] == keep])
            for i, c in enumerate(tree["categories"], start=1)]


def _entry_description(entry: dict[str, Any], department_names: dict[str, str]) -> str:
    parts = [_("责任部门：%(name)s", name=department_names.get(entry["department"], entry["department"]))
             if entry["department"] else "", _("公开时间：%(rhythm)s", rhythm=entry["rhythm"]) if entry["rhythm"] else "",
             _("依据：%(documents)s", documents=entry["documents"].replace("\n", "、")) if entry["documents"] else ""]
    return "；".join(part for part in parts if part)


def _prepare(form: ItemForm, who: Actor, creating: bool) -> ItemForm:
    groups = _catalog_groups(None if creating else form.catalog_code.data)
    form.catalog_code.choices = {label: [(o.code, o.label) for o in options] for label, options in groups}
    form.catalog_groups = groups
    form.channels.choices = [(channel.value, _(channel.label)) for channel in Channel]
    if creating:
        depts = [d for d in queries.list_departments(core()) if who.acts_as(DRAFTER, d.id)]
        form.department.choices = [(d.code, d.name) for d in depts]
    return form


def allowed_actions(item: Any, who: Actor) -> set[str]:
    """The buttons this user may use: derived from the workflow's own guards."""
    return items.available_actions(core(), who, item)


def render_item(item_id: int, status: int = 200, form_values: dict[str, Any] | None = None,
                 posted: str | None = None) -> tuple[str, int]:
    """The item page; after a failed action ``posted`` names it and ``form_values`` refill its form."""
    app = core()
    who = actor()
    spec = spec_of(app)
    item = items.get_item(app, who, item_id)
    now = app.now()
    # Staff outside the department see of a published item what the public sees: no history,
    # findings or diff against earlier (possibly unmasked) revisions (access.sees_internals).
    internal = items.internal_view(app, who, item)
    findings = item_scan.item_findings(app, who, item_id) if item.revision and internal else None
    actions = items.item_actions(app, who, item)
    can = items.available_actions(app, who, item, actions)
    panel = action_panel(spec, who, item.state, item.department_id, actions)
    check = item_scan.self_check(app, who, item_id) if "edit" in can else None
    explanation = app.calendar.explain(item.formed_on, int(app.settings["deadlines.publish_workdays"])) \
        if item.formed_on else None
    entries = {e["code"]: (c["title"], e["title"]) for c in catalog.catalog_tree(app)["categories"] for e in c["items"]}
    referral_rows = incidents.item_referrals(app, who, item_id) if internal else []
    # the caller's 常用意见, read only when an offered form has an opinion box that offers them
    offers_phrases = any(field.phrases for action in panel.forms for field in action.fields)
    route = items.item_route(app, item) if internal else {"route": None, "holders": []}
    return render_template(
        "item.html", item=item, can=can, panel=panel, self_check=check, is_open=item.state in spec.open_states,
        due=due_status(app.calendar, item.stage_due, now),
        history=queries.item_history(app, who, item_id) if internal else [], findings=findings,
        explanation=explanation, internal=internal,
        diff=queries.revision_diff(app, who, item_id) if internal else None, entry=entries.get(item.catalog_code),
        questions=CHECKLIST_FORM, diagram=state_diagram_svg(spec, item.state), values=form_values or {}, posted=posted,
        max_upload=int(app.settings["limits.attachment_max_bytes"]),
        referrals=[{"row": row, "due": due_status(app.calendar, row.due_at, now)} for row in referral_rows],
        # the review clock is stopped while the current revision waits for the authority (workflow/referrals.py)
        open_referral=next((row for row in referral_rows if row.answered_at is None), None)
        if item.state == "secrecy_review" and item.stage_due is None else None,
        incidents=incidents.item_incidents(app, who, item_id) if internal else [], now=now,
        **route, steps=item_steps(item.state, route["route"]),
        can_nudge=internal and (who.is_admin or who.id == item.submitted_by_id),
        reassign_form=reassign.candidates(app, who, item_id) if who.is_admin and internal and item.route_step
        else None,
        phrases=phrases.my_phrases(app, who) if offers_phrases else {},
        determination_labels=DETERMINATION_LABELS, leak_labels=LEAK_LABELS,
        confirm_first={name for name, trigger in spec.triggers.items() if publication.goes_public(trigger)},
        personal_info_found=_personal_info_found(findings)), status


def _personal_info_found(findings: dict[str, Any] | None) -> int:
    """How many of the revision's findings are personal information (the review form asks to confirm them)."""
    from workflow.scan import PERSONAL_INFO
    return sum(1 for finding in (findings or {}).get("findings", []) if finding["detector"] in PERSONAL_INFO)


def _form_page(form: ItemForm, creating: bool, item: Any = None) -> str:
    """The create/edit form; the create form also takes the first attachments."""
    limit = int(core().settings["limits.attachment_max_bytes"])
    return render_template("item_form.html", form=form, creating=creating, item=item,
                           max_upload_mb=round(limit / 1048576, 1))


@bp.route("/items/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    who = actor()
    if not who.has_role(DRAFTER):
        abort(403)
    form = _prepare(ItemForm(), who, creating=True)
    if request.method == "GET":
        form.formed_on.data = local_date(core().now())
        form.channels.data = ["website"]
        return _form_page(form, creating=True)
    uploads = [attachments.Upload(f.filename or "", f.mimetype, f.read())
               for f in request.files.getlist("attachments") if f.filename]
    item, error = try_verb(attachments.create_item_with_attachments, core(), who, form.payload(creating=True),
                           uploads, success=_("草稿已保存") if not uploads else
                           ngettext("草稿已保存，已上传 %(num)d 个附件", "草稿已保存，已上传 %(num)d 个附件", len(uploads)))
    if error is not None:
        return _form_page(form, creating=True), error.status
    return redirect(url_for("items.show", item_id=item.id))


@bp.get("/items/<int:item_id>")
@login_required
def show(item_id: int) -> ResponseReturnValue:
    return render_item(item_id)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int) -> ResponseReturnValue:
    app, who = core(), actor()
    item = items.get_item(app, who, item_id)
    if "edit" not in allowed_actions(item, who):
        if item.state != "draft":
            flash(_("只有草稿可以修改；请先撤回或对已公开事项发起修订"), "warning")
            return redirect(url_for("items.show", item_id=item_id))
        abort(403)
    if request.method == "GET":
        form = _prepare(ItemForm(obj=item), who, creating=False)
        form.publish_at.data = item.publish_at.astimezone(SHANGHAI).replace(tzinfo=None) \
            if item.publish_at else None
        form.display_until.data = item.display_until.astimezone(SHANGHAI).replace(tzinfo=None) \
            if item.display_until else None
        return _form_page(form, creating=False, item=item)
    form = _prepare(ItemForm(), who, creating=False)
    payload = form.payload(creating=False)
    if item.kind == "reply":
        payload.pop("catalog_code", None)  # a reply letter carries no 清单 entry (the form shows none)
    _done, error = try_verb(items.update_item, app, who, item_id, payload,
                            expected_version=_version(), success=_("草稿已保存"))
    if error is not None:
        return _form_page(form, creating=False, item=item), error.status
    return redirect(url_for("items.show", item_id=item_id))


def _version() -> int | None:
    try:
        return int(request.form["version"]) if request.form.get("version") else None
    except ValueError:
        return None


@bp.post("/items/<int:item_id>/do/<trigger>")
@login_required
def do(item_id: int, trigger: str) -> ResponseReturnValue:
    """Fire ``trigger``: its inputs are read from the form by the fields the spec declares for it."""
    spec = spec_of(core())
    declared = spec.triggers.get(trigger)
    if declared is None:
        abort(404)
    if publication.goes_public(declared) and request.form.get("confirmed") != "1":
        return _confirm(item_id, declared.name)  # nothing goes public without the explicit confirmation
    if enters_review(declared) and request.form.get("confirmed") != "1":
        warning = _submit_warning(item_id, declared.name)
        if warning is not None:
            return warning  # open blocking findings: the drafter sees them and confirms (or goes back)
    _item, error = try_verb(items.transition, core(), actor(), item_id, declared.name,
                            form_inputs(declared, request.form), expected_version=_version(),
                            on_behalf_of=request.form.get("on_behalf_of") or None,
                            success=_("已执行：%(action)s", action=spec.trigger_label(declared.name)))
    if error is not None:
        return render_item(item_id, status=error.status, form_values=request.form.to_dict(), posted=declared.name)
    return redirect(url_for("items.show", item_id=item_id))


def _submit_warning(item_id: int, trigger: str) -> ResponseReturnValue | None:
    """The page that lists the self-check's open blocking findings before a draft goes to review, or None
    when there are none (or the caller may not self-check: the transition then refuses as it should)."""
    try:
        check = item_scan.self_check(core(), actor(), item_id)
    except DomainError:
        return None
    blocking = [finding for finding in check["findings"] if finding["severity"] == "blocking"]
    if not blocking:
        return None
    carried = [(name, value) for name, value in request.form.items(multi=True)
               if name not in ("csrf_token", "confirmed")]
    item = items.get_item(core(), actor(), item_id)
    return render_template("item_submit_confirm.html", item=item, trigger=trigger, findings=blocking,
                           masked=check["masked"], carried=carried)


def _confirm(item_id: int, trigger: str) -> ResponseReturnValue:
    """The confirmation page of a trigger that may publish: what goes out, where, when, with which attachments
    and accepted findings; its button posts the same form again with ``confirmed=1``. Whatever the trigger
    would refuse is refused here already (the item page again, with the reason)."""
    declared = spec_of(core()).trigger(trigger)
    preview, error = try_verb(publication.preview, core(), actor(), item_id, trigger,
                              form_inputs(declared, request.form), expected_version=_version(),
                              on_behalf_of=request.form.get("on_behalf_of") or None)
    if error is not None:
        return render_item(item_id, status=error.status, form_values=request.form.to_dict(), posted=trigger)
    carried = [(name, value) for name, value in request.form.items(multi=True)
               if name not in ("csrf_token", "confirmed")]
    return render_template("item_confirm.html", preview=preview, carried=carried)


@bp.post("/items/<int:item_id>/phrase/<trigger>")
@login_required
def phrase(item_id: int, trigger: str) -> ResponseReturnValue:
    """A 常用意见 chip pressed without JavaScript: the page again, its form as typed, the phrase added to the
    opinion box on a line of its own. Nothing is fired or stored."""
    declared = spec_of(core()).triggers.get(trigger)
    box = opinion_field(declared) if declared is not None else None
    if box is None:
        abort(404)
    values = request.form.to_dict()
    chosen = request.form.get("phrase", "").strip()
    typed = values.get(box.name, "").rstrip()
    if chosen:
        values[box.name] = f"{typed}\n{chosen}" if typed else chosen
    return render_item(item_id, form_values=values, posted=declared.name)


@bp.post("/items/<int:item_id>/incidents/<int:incident_id>/report")
@login_required
def report_incident(item_id: int, incident_id: int) -> ResponseReturnValue:
    """File a leak incident's 24-hour report (admins; once)."""
    fields = ("reported_to", "text", "reported_at")
    data = {name: request.form.get(name, "").strip() for name in fields if request.form.get(name, "").strip()}
    _done, error = try_verb(incidents.file_report, core(), actor(), item_id, incident_id, data,
                            success=_("已登记泄密事件报告"))
    if error is not None:
        return render_item(item_id, status=error.status, form_values=request.form.to_dict(),
                            posted=f"incident-{incident_id}")
    return redirect(url_for("items.show", item_id=item_id))


@bp.post("/items/<int:item_id>/mask")
@login_required
def mask(item_id: int) -> ResponseReturnValue:
    _item, error = try_verb(item_scan.apply_masking, core(), actor(), item_id, expected_version=_version(),
                            success=_("已按建议完成脱敏，请核对后再提交"))
    if error is not None:
        return render_item(item_id, status=error.status)
    return redirect(url_for("items.show", item_id=item_id))


@bp.post("/items/<int:item_id>/revise")
@login_required
def revise(item_id: int) -> ResponseReturnValue:
    new_item, error = try_verb(items.revise, core(), actor(), item_id, success=_("已创建修订草稿"))
    if error is not None:
        return render_item(item_id, status=error.status)
    return redirect(url_for("items.edit", item_id=new_item.id))


@bp.post("/items/<int:item_id>/nudge")
@login_required
def nudge(item_id: int) -> ResponseReturnValue:
    result, error = try_verb(nudges.nudge_item, core(), actor(), item_id, {"message": request.form.get("message")})
    if error is not None:
        return render_item(item_id, status=error.status)
    flash(_("已催办：%(names)s", names="、".join(h.name for h in result.nudged)), "success")
    return redirect(url_for("items.show", item_id=item_id))


@bp.post("/items/<int:item_id>/attachments")
@login_required
def upload(item_id: int) -> ResponseReturnValue:
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(_("请选择要上传的文件"), "danger")
        return render_item(item_id, status=422)
    _row, error = try_verb(attachments.add_attachment, core(), actor(), item_id, upload_file.filename,
                           upload_file.mimetype, upload_file.read(), success=_("附件已上传"))
    if error is not None:
        return render_item(item_id, status=error.status)
    return redirect(url_for("items.show", item_id=item_id))


@bp.post("/items/<int:item_id>/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(item_id: int, attachment_id: int) -> ResponseReturnValue:
    _done, error = try_verb(attachments.remove_attachment, core(), actor(), item_id, attachment_id,
                            success=_("附件已删除"))
    if error is not None:
        return render_item(item_id, status=error.status)
    return redirect(url_for("items.show", item_id=item_id))


@bp.get("/items/<int:item_id>/attachments/<int:attachment_id>/preview")
@login_required
def preview_attachment(item_id: int, attachment_id: int) -> ResponseReturnValue:
    """The attachment's content, read-only, with what the scan flagged highlighted (internal readers)."""
    shown = attachments.preview_attachment(core(), actor(), item_id, attachment_id)
    return render_template("attachment_preview.html", shown=shown, preview=shown.preview)


@bp.get("/items/<int:item_id>/attachments/<int:attachment_id>")
@login_required
def download(item_id: int, attachment_id: int) -> ResponseReturnValue:
    row = attachments.get_attachment(core(), actor(), item_id, attachment_id)
    return attachment_response(row)


def attachment_response(row: Any, filename: str | None = None) -> Response:
    """A download (named ``filename``, else its stored name); served as an attachment so that uploaded
    HTML never renders in our origin."""
    from urllib.parse import quote
    response = Response(row.data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename or row.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["bp", "allowed_actions", "attachment_response", "DomainError"]

"""Admin pages: 超期预警 (with xlsx/CSV export), users, departments, the holiday calendar, the 清单."""
from __future__ import annotations

import calendar as pycalendar
import csv
import io
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from web.core import core
from web.ui.common import require_admin, try_verb
from web.ui.format import due_status, fdatetime, holding_labels, state_label
from web.ui.forms import CalendarOverrideForm, DepartmentForm, UserAccessForm, UserForm
from workflow.calendar import deadlines
from workflow.access import ROLE_LABELS, Actor
from workflow.clock import local_date
from workflow.context import Gongkai
from workflow.errors import ValidationFailed
from workflow.i18n import gettext as _
from workflow.item_spec import spec_of
from workflow.services import catalog, nudges, queries, users
from workflow.xml_text import xml_safe

bp = Blueprint("admin", __name__, url_prefix="/admin")
BUCKETS = ("very_overdue", "overdue", "due_today", "due_soon")
BUCKET_LABELS = {"very_overdue": "严重超期", "overdue": "已超期", "due_today": "今日到期", "due_soon": "3个工作日内到期"}
BUCKET_COLOURS = {"very_overdue": "danger", "overdue": "danger", "due_today": "warning", "due_soon": "info"}


def _bucket(app: Gongkai, item: Any, now: datetime) -> tuple[str, int]:
    """The bucket of one open item and its working days late (0 when not late)."""
    late = deadlines.workdays_late(app.calendar, item.stage_due, now)
    if now > item.stage_due:
        rung = deadlines.current_rung(app.calendar, item.stage_due, now, app.settings)
        return ("very_overdue" if rung == "very_overdue" else "overdue"), late
    if local_date(item.stage_due) == local_date(now):
        return "due_today", 0
    return "due_soon", 0


def _overdue_rows() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    app, who = core(), require_admin()
    department = request.args.get("department") or None
    stage = request.args.get("stage") or None
    try:
        found = queries.due_horizon(app, who, department=department, stage=stage)
    except ValidationFailed:
        abort(400)
    now = app.now()
    held = queries.holders_of(app, found)  # who must act on each row: one lookup for the whole list
    rows = []
    for item in found:
        bucket, late = _bucket(app, item, now)
        rows.append({"item": item, "bucket": bucket, "late": late, "holding": held.get(item.id),
                     "left": deadlines.workdays_left(app.calendar, item.stage_due, now)})
    return rows, {"department": department, "stage": stage}


def _summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_dept: dict[str, dict[str, Any]] = {}
    for row in rows:
        dept = row["item"].department
        entry = by_dept.setdefault(dept.code, {"department": dept, **{b: 0 for b in BUCKETS}, "total": 0})
        entry[row["bucket"]] += 1
        entry["total"] += 1
    return sorted(by_dept.values(), key=lambda e: (-(e["very_overdue"] + e["overdue"]), e["department"].code))


@bp.get("/overdue")
@login_required
def overdue() -> ResponseReturnValue:
    from workflow.calendar.admin import calendar_gaps
    from workflow.liveness import status as scheduler_status
    rows, filters = _overdue_rows()
    summary = _summary(rows)
    totals = {b: sum(e[b] for e in summary) for b in (*BUCKETS, "total")}
    return render_template("admin/overdue.html", rows=rows, summary=summary, totals=totals, filters=filters,
                           departments=queries.list_departments(core()), stages=spec_of(core()).open_states, buckets=BUCKETS,
                           bucket_labels=BUCKET_LABELS, bucket_colours=BUCKET_COLOURS,
                           calendar_gaps=calendar_gaps(core()), scheduler=scheduler_status(core()),
                           **_overdue_applications(), **_cases())


def _cases() -> dict[str, Any]:
    """Leak incidents not yet reported and referrals waiting for the secrecy authority (the same page)."""
    from workflow.incidents import LEAK_LABELS
    from workflow.services.incidents import incident_rows, open_referral_rows
    app, who = core(), require_admin()
    now = app.now()
    return {"open_incidents": incident_rows(app, who, open_only=True), "leak_labels": LEAK_LABELS,
            "open_referrals": [(row, title, due_status(app.calendar, row.due_at, now))
                               for row, title in open_referral_rows(app, who)], "now": now}


def _overdue_applications() -> dict[str, Any]:
    """Overdue requests for disclosure (依申请公开) for the same page."""
    from workflow.applications.vocabulary import ApplicantKind
    from workflow.services.applications import overdue_applications
    rows = overdue_applications(core())
    return {"applications": [{**row, "kind_label": ApplicantKind.label_of(row["applicant_kind"])} for row in rows]}


def _export_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    header = [_("编号"), _("标题"), _("部门"), _("阶段"), _("当前步骤"), _("当前处理人"), _("阶段截止"), _("预警级别"),
              _("超期工作日"), _("信息形成日期"), _("公开期限")]
    body = []
    for r in rows:
        item, labels = r["item"], holding_labels(r["item"], r["holding"])
        body.append([item.id, item.title, item.department.name, state_label(item.state), labels.step,
                     labels.holders, fdatetime(item.stage_due, "short"), _(BUCKET_LABELS[r["bucket"]]), r["late"],
                     item.formed_on.isoformat() if item.formed_on else "",
                     item.publish_deadline.isoformat() if item.publish_deadline else ""])
    return header, body


def _filename(ext: str) -> str:
    return f"overdue-{local_date(core().now()).isoformat()}.{ext}"


@bp.post("/overdue/items/<int:item_id>/nudge")
@login_required
def nudge_item(item_id: int) -> ResponseReturnValue:
    """催办 one overdue item from the overdue page; back to the page with what was done."""
    result, _error = try_verb(nudges.nudge_item, core(), require_admin(), item_id,
                              {"message": request.form.get("message")})
    if result is not None:
        flash(_("已催办：%(names)s", names="、".join(h.name for h in result.nudged)), "success")
    return redirect(url_for("admin.overdue", **_overdue_filters()))


@bp.post("/overdue/departments/<code>/nudge")
@login_required
def nudge_department(code: str) -> ResponseReturnValue:
    """催办 every overdue item of one department (each holder once per item per working day)."""
    results, _error = try_verb(nudges.nudge_overdue, core(), require_admin(), code,
                               {"message": request.form.get("message")})
    if results is not None:
        told = sum(len(r.nudged) for r in results)
        skipped = sum(len(r.already) for r in results)
        flash(_("已催办 %(items)d 个事项的 %(people)d 人次；今天已催办过的 %(skipped)d 人次未再发送",
                items=sum(1 for r in results if r.nudged), people=told, skipped=skipped), "success")
    return redirect(url_for("admin.overdue", **_overdue_filters()))


def _overdue_filters() -> dict[str, str]:
    """The overdue page's filters the form posted back (so the page comes back as it was)."""
    return {key: value for key in ("department", "stage") if (value := request.form.get(key, ""))}


@bp.get("/overdue.csv")
@login_required
def overdue_csv() -> ResponseReturnValue:
    rows, _filters = _overdue_rows()
    header, body = _export_table(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_csv_safe(v) for v in row] for row in body])
    data = "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 CSV correctly only with it
    return Response(data.encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={_filename('csv')}"})


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in user text (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@bp.get("/overdue.xlsx")
@login_required
def overdue_xlsx() -> ResponseReturnValue:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    rows, _filters = _overdue_rows()
    header, body = _export_table(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = _("超期预警")
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    # Stored text may predate the input checks: openpyxl refuses control characters (a 500 before).
    for row in body:
        sheet.append([xml_safe(_csv_safe(v)) for v in row])
    for column, width in zip("ABCDEFGHIJK", (8, 48, 18, 10, 16, 24, 18, 16, 12, 14, 14)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    summary = book.create_sheet(_("部门汇总"))
    summary.append([_("部门"), *[_(BUCKET_LABELS[b]) for b in BUCKETS], _("合计")])
    for entry in _summary(rows):
        summary.append([xml_safe(entry["department"].name), *[entry[b] for b in BUCKETS], entry["total"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={_filename('xlsx')}"})


def _user_form(app: Gongkai) -> UserForm:
    form = UserForm()
    form.roles.choices = [(role, f"{_(label)}（{role}）") for role, label in ROLE_LABELS.items()]
    form.departments.choices = [(d.code, d.name) for d in queries.list_departments(app)]
    return form


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users_page() -> ResponseReturnValue:
    app, who = core(), require_admin()
    form = _user_form(app)
    status = 200
    if request.method == "POST":
        scope = ["*"] if form.all_departments.data else list(form.departments.data or [])
        _user, error = try_verb(users.add_user, app, (form.username.data or "").strip(), roles=form.roles.data or [],
                                departments=scope, password=form.password.data or "", email=form.email.data or None,
                                display_name=form.display_name.data or "", department_head=bool(form.department_head.data),
                                actor=who, success=_("用户已添加"))
        if error is None:
            return redirect(url_for("admin.users_page"))
        status = error.status
    return render_template("admin/users.html", form=form, users=queries.list_users(app, who)), status


@bp.route("/users/<username>", methods=["GET", "POST"])
@login_required
def user_access(username: str) -> ResponseReturnValue:
    """One person's roles, department scope, head flag and whether the account is on (admins)."""
    app, who = core(), require_admin()
    person = users.user_by_name(app, username)
    if person is None:
        abort(404)
    form = UserAccessForm(obj=None if request.method == "POST" else _access_defaults(person))
    form.roles.choices = [(role, f"{_(label)}（{role}）") for role, label in ROLE_LABELS.items()]
    form.departments.choices = [(d.code, d.name) for d in queries.list_departments(app)]
    status = 200
    if request.method == "POST":
        scope = ["*"] if form.all_departments.data else list(form.departments.data or [])
        _user, error = try_verb(users.set_access, app, who, username, roles=form.roles.data or [], departments=scope,
                                department_head=bool(form.department_head.data), active=bool(form.active.data),
                                success=_("已保存 %(name)s 的角色与权限", name=person.display_name or username))
        if error is None:
            return redirect(url_for("admin.users_page"))
        status = error.status
    return render_template("admin/user_access.html", form=form, person=person), status


def _access_defaults(person: Any) -> Any:
    """The form's initial values, read off the person."""
    return SimpleNamespace(roles=sorted(person.roles), departments=[d.code for d in person.departments],
                           all_departments=person.all_departments, department_head=person.is_department_head,
                           active=person.active)


@bp.post("/users/<username>/im")
@login_required
def user_im(username: str) -> ResponseReturnValue:
    """企业微信 / 钉钉 userids of one person (422 and the page again on a bad value)."""
    from workflow.services.im_accounts import FIELDS, set_userids
    app, who = core(), require_admin()
    _done, error = try_verb(set_userids, app, who, username, {f: request.form.get(f, "") for f in FIELDS},
                            success=_("企业微信 / 钉钉账号已保存"))
    if error is None:
        return redirect(url_for("admin.users_page"))
    return render_template("admin/users.html", form=_user_form(app), users=queries.list_users(app, who),
                           im_error=username), error.status


@bp.route("/departments", methods=["GET", "POST"])
@login_required
def departments_page() -> ResponseReturnValue:
    app, who = core(), require_admin()
    form = DepartmentForm()
    status = 200
    if request.method == "POST":
        _dept, error = try_verb(users.add_department, app, form.code.data or "", form.name.data or "", actor=who,
                                success=_("部门已添加"))
        if error is None:
            return redirect(url_for("admin.departments_page"))
        status = error.status
    return render_template("admin/departments.html", form=form,
                           departments=queries.list_departments(app)), status


@bp.get("/calendar")
@login_required
def calendar_page() -> ResponseReturnValue:
    app = core()
    require_admin()
    today = local_date(app.now())
    try:
        year = int(request.args.get("year") or today.year)
    except ValueError:
        abort(400)
    if not 1990 <= year <= 2100:
        abort(404)
    return _render_calendar(year, CalendarOverrideForm(formdata=None))


def _render_calendar(year: int, form: CalendarOverrideForm, status: int = 200) -> tuple[str, int]:
    """The year grid, coverage, the overrides (form + list) and an optional deadline explanation."""
    from web.api.calendar import parse_day, parse_workdays
    from workflow.calendar import admin as calendar_admin
    app = core()
    today = local_date(app.now())
    cal = app.calendar
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([cal.day_info(d) if d.month == month else None for d in week])
        months.append({"month": month, "weeks": weeks})
    explanation, explain_error = None, None
    explain_args = {k: request.args[k] for k in ("from", "workdays") if request.method == "GET" and k in request.args}
    if explain_args.get("from"):
        try:
            explanation = cal.explain(parse_day(explain_args["from"], "from"),
                                      parse_workdays(explain_args.get("workdays")))
        except ValidationFailed as error:
            explain_error = error.message
    if form.day.data is None and request.method == "GET":
        form.day.data = today
    return render_template("admin/calendar.html", year=year, months=months, today=today,
                           covered=cal.covered_years(), missing=cal.missing_years(today.year - 1, today.year + 1),
                           estimated=not cal.is_covered(year), form=form,
                           overrides=calendar_admin.list_overrides(app), explanation=explanation,
                           explain_error=explain_error, explain_args=explain_args), status


def _set_override_from_form(app: Gongkai, who: Actor, form: CalendarOverrideForm) -> list[int]:
    """Validate the form's values like the API does, then add the override."""
    from web.api.calendar import parse_override
    from workflow.calendar import admin as calendar_admin
    day, kind, reason, source = parse_override({"date": form.day.data, "kind": form.kind.data,
                                                "reason": form.reason.data, "source": form.source.data})
    return calendar_admin.set_override(app, who, day, kind, reason, source)


@bp.post("/calendar/overrides")
@login_required
def calendar_override_add() -> ResponseReturnValue:
    from flask import flash

    app, who = core(), require_admin()
    form = CalendarOverrideForm()
    fallback_year = form.day.data.year if form.day.data and 1990 <= form.day.data.year <= 2100 \
        else local_date(app.now()).year
    if not form.validate():
        return _render_calendar(fallback_year, form, 422)
    changed, error = try_verb(_set_override_from_form, app, who, form)
    if error is not None:
        return _render_calendar(fallback_year, form, error.status)
    kind = _("休息日") if form.kind.data == "rest" else _("工作日")
    flash(_("已将 %(date)s 调整为%(kind)s；%(n)s 个在办事项的期限已重新计算", date=form.day.data.isoformat(),
            kind=kind, n=len(changed)), "success")
    return redirect(url_for("admin.calendar_page", year=form.day.data.year))


@bp.post("/calendar/overrides/<day>/delete")
@login_required
def calendar_override_remove(day: str) -> ResponseReturnValue:
    from flask import flash

    from web.api.calendar import parse_day
    from workflow.calendar import admin as calendar_admin
    app, who = core(), require_admin()
    parsed = parse_day(day)  # a bad date is a 422 page
    changed = calendar_admin.remove_override(app, who, parsed)  # unknown date: 404 page
    flash(_("已删除 %(date)s 的调整；%(n)s 个在办事项的期限已重新计算", date=parsed.isoformat(), n=len(changed)),
          "success")
    return redirect(url_for("admin.calendar_page", year=parsed.year))


@bp.get("/catalog")
@login_required
def catalog_page() -> ResponseReturnValue:
    require_admin()
    app = core()
    return render_template("admin/catalog.html", tree=catalog.catalog_tree(app),
                           counts=queries.published_counts_by_catalog(app),
                           department_names={d.code: d.name for d in queries.list_departments(app)})


@bp.post("/catalog/<code>/applicability")
@login_required
def catalog_applicability(code: str) -> ResponseReturnValue:
    """Mark a 清单 entry 「不适用」 for this institution (with the reason) or applicable again."""
    who = require_admin()
    marking = bool(request.form.get("not_applicable"))
    data = {"not_applicable": marking, **({"reason": request.form.get("reason", "")} if marking else {})}
    try_verb(catalog.set_applicability, core(), who, code, data,
             success=_("已将清单事项 %(code)s 标记为不适用", code=code) if marking
             else _("清单事项 %(code)s 已恢复为适用", code=code))
    return redirect(url_for("admin.catalog_page"))


@bp.get("/mail-failures")
@login_required
def mail_failures_page() -> ResponseReturnValue:
    from workflow.services.notifications import mail_failures
    return render_template("admin/mail_failures.html", mails=mail_failures(core(), require_admin()))


@bp.post("/mail-failures/<int:mail_id>/retry")
@login_required
def mail_retry(mail_id: int) -> ResponseReturnValue:
    from workflow.services.notifications import retry_mail
    try_verb(retry_mail, core(), require_admin(), mail_id, success=_("已重新排队发送"))
    return redirect(url_for("admin.mail_failures_page"))

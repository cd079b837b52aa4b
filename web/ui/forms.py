"""Flask-WTF forms of the staff UI (CSRF tokens come with every FlaskForm)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, Optional

from workflow.i18n import lazy_gettext as _l


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LoginForm(FlaskForm):
    """username / password / csrf_token, posted to /login."""

    username = StringField(_l("用户名"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


class PasswordForm(FlaskForm):
    """Change one's own password."""

    old_password = PasswordField(_l("原密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired()])  # policy: workflow/passwords.py
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired()])


class ItemForm(FlaskForm):
    """A draft's fields; ``department`` only when creating."""

    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("正文"), validators=[Optional()])
    department = SelectField(_l("部门"), validate_choice=False)
    catalog_code = SelectField(_l("清单事项"), validate_choice=False)
    channels = MultiCheckboxField(_l("公开渠道"), validate_choice=False)
    formed_on = DateField(_l("信息形成日期"), validators=[Optional()])
    publish_at = DateTimeLocalField(_l("计划发布时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    display_until = DateTimeLocalField(_l("公示截止时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    is_list = BooleanField(_l("名单/名册类信息（如评优、资助名单）"))
    doc_number = StringField(_l("文号"), validators=[Optional(), Length(max=100)])

    def payload(self, creating: bool) -> dict[str, object]:
        """The verb's input (dates as objects; empty optional dates clear the field)."""
        data: dict[str, object] = {
            "title": self.title.data or "", "body": self.body.data or "", "catalog_code": self.catalog_code.data or "",
            "channels": list(self.channels.data or []),
            "formed_on": self.formed_on.data or self.formed_on.raw_data and self.formed_on.raw_data[0] or None,
            "publish_at": self.publish_at.data, "display_until": self.display_until.data,
            "is_list": bool(self.is_list.data), "doc_number": (self.doc_number.data or "").strip()}
        if creating:
            data["department"] = self.department.data or ""
        return data


class UserForm(FlaskForm):
    """Admin: add a user."""

    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("初始密码"), validators=[DataRequired()])  # policy: workflow/passwords.py
    roles = MultiCheckboxField(_l("角色"), validate_choice=False)
    departments = MultiCheckboxField(_l("负责部门"), validate_choice=False)
    all_departments = BooleanField(_l("全部部门"))
    department_head = BooleanField(_l("部门负责人"))


class UserAccessForm(FlaskForm):
    """Admin: what an existing person may do (roles, scope, head, active)."""

    roles = MultiCheckboxField(_l("角色"), validate_choice=False)
    departments = MultiCheckboxField(_l("负责部门"), validate_choice=False)
    all_departments = BooleanField(_l("全部部门"))
    department_head = BooleanField(_l("部门负责人"))
    active = BooleanField(_l("账号启用"))


class DepartmentForm(FlaskForm):
    """Admin: add a department."""

    code = StringField(_l("部门代码"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("部门名称"), validators=[DataRequired(), Length(max=100)])


def _kind_choices() -> list:
    """rest/work options; ``SelectChoice`` where WTForms has it (3.3 deprecates plain tuples)."""
    pairs = [("rest", _l("休息日")), ("work", _l("工作日"))]
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # WTForms < 3.3
        return pairs
    return [SelectChoice(value, label) for value, label in pairs]


class CalendarOverrideForm(FlaskForm):
    """Admin: make one date a rest day or a working day (re-dates open items)."""

    day = DateField(_l("日期"), validators=[DataRequired()])
    kind = SelectField(_l("调整为"), choices=_kind_choices(),
                       validators=[DataRequired()])
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=300)])
    source = StringField(_l("依据（通知链接或文号，可选）"), validators=[Optional(), Length(max=500)])

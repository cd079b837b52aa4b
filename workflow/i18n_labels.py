"""Labels that are translated through a variable, listed here so that extraction sees them.

``pybabel extract`` only finds string literals passed straight to a keyword (``_("…")``).
Code such as ``_(STATE_LABELS[state])`` or ``{{ _(label) }}`` translates at render time a
string that lives in a dict or tuple elsewhere; extraction cannot follow the variable, so
the literal is repeated here, wrapped in the no-op marker ``N_`` (``-k N_`` in the Makefile's
``I18N_KEYWORDS``). Nothing imports this module at run time.

Labels defined with ``N_`` where they live need no entry here: the item workflow's states, triggers and
inputs (``workflow/item_spec.py``), the checklist questions (``workflow/checklist.py``), the publication
channels (``workflow/channels.py``), the item field names (``workflow/item_context.py``) and the guards'
separation-of-duties wording (``workflow/guards.py``).

When you add or change a value in one of the maps below, change it here too;
``tests/test_translations.py`` imports the maps and fails if a value is missing from the
extracted catalogue.
"""
from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction without translating it."""
    return message


# -- A. Translated at render time today --------------------------------------------------------

# workflow/access.py ROLE_LABELS (web/ui/format.py role_label)
ROLES = (N_("起草人"), N_("保密审查员"), N_("审批人"), N_("信息公开办公室管理员"))

# workflow/notifications.py STAGE_LABELS (rung_message)
STAGES = (N_("起草"), N_("保密审查"), N_("审批"))

# Applications (states, code sets, reply outcomes, statistics rows, field labels) are marked N_ where
# they are defined, in workflow/applications/ (spec.py, vocabulary.py, outcomes.py, stats.py): not repeated here.

# web/errors.py HTTP_MESSAGES
HTTP_MESSAGES = (N_("请求格式有误"), N_("请先登录"), N_("您没有权限访问此页面"), N_("页面或对象不存在"),
                 N_("不支持该请求方法"), N_("操作冲突"), N_("请求内容过大"), N_("不支持的内容类型"),
                 N_("请求内容无效"), N_("请求过于频繁，请稍后再试"))

# web/ui/format.py ACTION_LABELS (trigger_label, audit history)
AUDIT_ACTIONS = (N_("创建草稿"), N_("修改草稿"), N_("发起修订"), N_("添加附件"), N_("删除附件"), N_("转办"), N_("催办"))

# web/ui/admin.py BUCKET_LABELS (admin/overdue.html)
OVERDUE_BUCKETS = (N_("严重超期"), N_("已超期"), N_("今日到期"), N_("3个工作日内到期"))

# web/ui/reports.py SOURCE_LABELS
REPORT_TEMPLATE_SOURCES = (N_("本学年已编辑"), N_("沿用上一学年（%(year)s）"), N_("系统默认模板"))


# web/ui/inbox.py PREFS (settings.html)
NOTIFY_PREFS = (N_("即时邮件"), N_("每日摘要（工作日 09:00）"), N_("不发邮件（仅站内消息）"))


# -- B. Catalogued ahead: shown or interpolated WITHOUT _() today --------------------------------
# The English catalogue already has these; the listed call sites still need to translate them
# (e.g. pass ``label=_(outcome.label)``) before English users see them.


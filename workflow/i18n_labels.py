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

# workflow/services/applications.py STATE_LABELS (applications/list.html, detail.html, public_status.html)
APPLICATION_STATES = (N_("办理中"), N_("办理中（征求第三方意见）"), N_("待申请人补正"), N_("答复审核中"),
                      N_("已答复"), N_("已终止（视为放弃）"))

# workflow/applications/stats.py COLUMNS (applications/stats.html)
APPLICANT_COLUMNS = (N_("自然人"), N_("商业企业"), N_("科研机构"), N_("社会公益组织"), N_("法律服务机构"),
                     N_("其他"), N_("总计"))

# web/errors.py HTTP_MESSAGES
HTTP_MESSAGES = (N_("请求格式有误"), N_("请先登录"), N_("您没有权限访问此页面"), N_("页面或对象不存在"),
                 N_("不支持该请求方法"), N_("操作冲突"), N_("请求内容过大"), N_("不支持的内容类型"),
                 N_("请求内容无效"), N_("请求过于频繁，请稍后再试"))

# web/ui/format.py ACTION_LABELS (trigger_label, audit history)
AUDIT_ACTIONS = (N_("创建草稿"), N_("修改草稿"), N_("发起修订"), N_("添加附件"), N_("删除附件"))

# web/ui/admin.py BUCKET_LABELS (admin/overdue.html)
OVERDUE_BUCKETS = (N_("严重超期"), N_("已超期"), N_("今日到期"), N_("3个工作日内到期"))

# web/ui/reports.py SOURCE_LABELS
REPORT_TEMPLATE_SOURCES = (N_("本学年已编辑"), N_("沿用上一学年（%(year)s）"), N_("系统默认模板"))

# web/ui/applications.py KIND_LABELS, DELIVERY_LABELS, CHANNEL_LABELS, SEGMENT_LABELS (applications/*.html)
APPLICANT_KINDS = (N_("自然人"), N_("商业企业"), N_("科研机构"), N_("社会公益组织"), N_("法律服务机构"),
                   N_("其他组织"))
DELIVERY_FORMS = (N_("纸质"), N_("电子邮件"), N_("光盘"), N_("其他"))
APPLICATION_CHANNELS = (N_("当面提交"), N_("邮寄（签收之日）"), N_("网上申请（确认之日）"), N_("传真"),
                        N_("电子邮件"))
CLOCK_SEGMENTS = (N_("计入期限"), N_("征求第三方意见（不计入）"), N_("等待补正（停止计时）"),
                  N_("补正前的期限（已重新计算）"))

# web/ui/inbox.py PREFS (settings.html)
NOTIFY_PREFS = (N_("即时邮件"), N_("每日摘要（工作日 09:00）"), N_("不发邮件（仅站内消息）"))


# -- B. Catalogued ahead: shown or interpolated WITHOUT _() today --------------------------------
# The English catalogue already has these; the listed call sites still need to translate them
# (e.g. pass ``label=_(outcome.label)``) before English users see them.

# workflow/applications/outcomes.py OUTCOMES labels and reasons (applications/detail.html
# o.label / a.outcome_label; the ``label`` param of its ValidationFailed messages)
OUTCOME_LABELS = (N_("予以公开"), N_("部分公开"), N_("不予公开"), N_("无法提供"), N_("不予处理"), N_("其他处理"))
OUTCOME_REASONS = (
    N_("属于国家秘密"), N_("其他法律行政法规禁止公开"), N_("危及\u201c三安全一稳定\u201d"), N_("保护第三方合法权益"),
    N_("属于三类内部事务信息"), N_("属于四类过程性信息"), N_("属于行政执法案卷"), N_("属于行政查询事项"),
    N_("本机关不掌握相关政府信息"), N_("没有现成信息需要另行制作"), N_("补正后申请内容仍不明确"),
    N_("信访举报投诉类申请"), N_("重复申请"), N_("要求提供公开出版物"), N_("无正当理由大量反复申请"),
    N_("要求行政机关确认或重新出具已获取信息"),
    N_("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    N_("申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    N_("其他"),
)

# workflow/applications/stats.py row headings and CHECK_RULE (applications/stats.html row.label,
# table.check.rule)
STATS_ROWS = (N_("一、本年新收政府信息公开申请数量"), N_("二、上年结转政府信息公开申请数量"), N_("三、本年度办理结果"),
              N_("（区分处理的，只计这一情形，不计其他情形）"), N_("（七）总计"), N_("四、结转下年度继续办理"),
              N_("第一项加第二项之和，等于第三项加第四项之和"))

# workflow/services/applications.py _LABELS (the ``label`` param of its ValidationFailed messages)
APPLICATION_FIELDS = (N_("申请人姓名或名称"), N_("联系方式"), N_("所需信息的内容描述"), N_("用途"), N_("申请人类型"),
                      N_("获取信息的方式"), N_("申请渠道"), N_("收到申请的时间"), N_("说明"), N_("案由"))

# web/ui/applications.py: the remedies register (REMEDY_KIND_LABELS, REMEDY_OUTCOME_LABELS)
REMEDY_KINDS = (N_("举报/投诉"), N_("行政复议"), N_("行政诉讼"))
REMEDY_OUTCOMES = (N_("维持"), N_("纠正"), N_("其他"), N_("尚未审结"))

"""The disclosure item's workflow, declared once.

draft → secrecy_review → approval → (scheduled →) published → archived. Each trigger below carries
its label, who may fire it, what it takes from the request, what the inputs must satisfy, whether it
writes a decision row, whose pending task it is, and its effect. The service fires it; the screens'
buttons and forms, the API's accepted fields, the help diagram, the CHECK constraint on ``items.state``,
the task lists and the translation keys are all derived from it.

``spec_of(app)`` is the spec an instance runs (``ITEM_SPEC`` unless a test hands the instance a copy
with one more trigger: ``ITEM_SPEC.with_trigger(...)``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from db.models.items import DECISION_KINDS
from db.models.items import STATES as STORED_STATES
from workflow import guards
from workflow.access import ADMIN, APPROVER, DRAFTER, REVIEWER
from workflow.i18n import N_
from workflow.item_context import ItemContext
from workflow.incidents import LEAK_LABELS, record_incident
from workflow.item_effects import enter_archived, enter_published, record_approval, record_review, take_revision
from workflow.item_states import ItemState
from workflow.opinions import OPINION, OPINION_MAX
from workflow.referrals import DETERMINATION_LABELS, open_referral, record_answer
from workflow.spec import STAY, Field, Route, TriggerSpec, WorkflowSpec

if TYPE_CHECKING:
    from workflow.context import Gongkai


# The inputs triggers take from the request (POST /api/v1/items/{id}/transitions, docs/api.md).
REASON = Field("reason", N_("理由"), "multiline")
CHECKLIST = Field("checklist", N_("保密审查清单"), "checklist", required=True)
LEGAL_BASIS = Field("legal_basis", N_("公开的法律依据"), "multiline",
                    help=N_("涉及个人信息时必填，例如《高等学校信息公开办法》第七条"))
JUSTIFICATIONS = Field("justifications", N_("审查依据"), "justifications",
                       help=N_("对回答“是”的清单项，记录公开的依据"))
ACCEPT_FINDINGS = Field("accept_findings", N_("确认有法律依据公开的自检发现"), "multi")
# 个人信息=否 while the scan found personal information: the reviewer confirms having checked (guards)
PERSONAL_INFO_CONFIRMED = Field("personal_info_confirmed", N_("已核对：自检发现的内容不属于应保护的个人信息"), "confirm",
                                help=N_("保密自检在本稿中发现了身份证号、手机号等个人信息。如在审查清单中选择“不涉及个人信息”，"
                                        "须逐条核对后勾选此项确认；如确实涉及，请选择“是”并填写依据。"))
PUBLISH_AT = Field("publish_at", N_("定时发布时间"), "datetime", help=N_("留空则批准后立即发布"))
# 转保密审定 (docs/review.md "Referral and leak incidents"): the question, to whom, and the answer.
QUESTION = Field("question", N_("请求审定的问题"), "multiline", required=True,
                 help=N_("说明不能确定是否属于国家秘密的内容及理由"))
AUTHORITY = Field("authority", N_("报送审定机构"), help=N_("留空则报送默认的保密工作机构（学校保密办公室）"))
DETERMINATION = Field("determination", N_("审定结论"), "choice", required=True,
                      choices=tuple(DETERMINATION_LABELS.items()))
ANSWER = Field("answer", N_("审定意见"), "multiline", required=True)
DOCUMENT_NO = Field("document_no", N_("审定文号"))
# 审查意见 / 审批意见 (workflow/opinions.py): optional on a pass or an approval; on a return or a rejection the
# required reason is the opinion (one box; the API takes it as ``reason`` or ``opinion``). Each offers the
# built-in 常用意见 below until the user keeps their own list (个人设置).
REVIEW_OPINION = Field(OPINION, N_("审查意见"), "multiline", max_len=OPINION_MAX,
                       phrases=(N_("同意公开"), N_("经审查，不涉及国家秘密、工作秘密、商业秘密和个人隐私，同意公开"),
                                N_("已核对个人信息的公开依据，同意公开")))
RETURN_OPINION = Field("reason", N_("审查意见"), "multiline", required=True, max_len=OPINION_MAX,
                       aliases=(OPINION,), help=N_("即退回理由，起草人修改时可以看到"),
                       phrases=(N_("请删除个人身份信息后重新提交"), N_("请补充法律依据"),
                                N_("请核实数据后重新提交"), N_("请补充相关附件或证明材料")))
APPROVAL_OPINION = Field(OPINION, N_("审批意见"), "multiline", max_len=OPINION_MAX,
                         phrases=(N_("同意，按期发布"), N_("同意公开")))
REJECT_OPINION = Field("reason", N_("审批意见"), "multiline", required=True, max_len=OPINION_MAX,
                       aliases=(OPINION,), help=N_("即不予批准的理由，起草人修改时可以看到"),
                       phrases=(N_("暂缓公开"), N_("请补充法律依据"), N_("请按审查意见修改后重新提交")))
LEAK = Field("leak", N_("泄密情形"), "choice", choices=tuple(LEAK_LABELS.items()),
             help=N_("涉及泄密时登记泄密事件，须在24小时内报告保密行政管理部门和上级主管部门"))

S = ItemState
# ``awaited_by`` marks the decision a state waits for (the task lists: spec.awaited()): submit, pass_review,
# approve. ``return`` and ``reject`` are the way out every decider also has, not a task of their own: a
# reviewer who may only return (separation of duties) is not asked to act, the other reviewers are.
ITEM_TRIGGERS: tuple[TriggerSpec, ...] = (
    TriggerSpec("submit", N_("提交审查"), (S.DRAFT,), S.SECRECY_REVIEW,
                permission=(guards.role_in_department(DRAFTER),), checks=(guards.complete_for_submit,),
                awaited_by=DRAFTER, effect=take_revision),
    TriggerSpec("withdraw", N_("撤回"), (S.SECRECY_REVIEW, S.APPROVAL), S.DRAFT,
                permission=(guards.submitter_or_role(DRAFTER),), fields=(REASON,), decision=True,
                style="secondary"),
    TriggerSpec("pass_review", N_("审查通过"), (S.SECRECY_REVIEW,), S.APPROVAL,
                permission=(guards.step_decider(REVIEWER), guards.NOT_A_CONTRIBUTOR_TO_REVIEW),
                fields=(CHECKLIST, LEGAL_BASIS, JUSTIFICATIONS, ACCEPT_FINDINGS, PERSONAL_INFO_CONFIRMED, REVIEW_OPINION),
                checks=(guards.checklist_clear, guards.no_open_blocking_findings, guards.personal_info_answer_checked,
                        guards.referral_settled),
                decision=True, awaited_by=REVIEWER, effect=record_review, style="success"),
    TriggerSpec("return", N_("退回修改"), (S.SECRECY_REVIEW,), S.DRAFT,
                permission=(guards.step_decider(REVIEWER, voting=False),), fields=(RETURN_OPINION,),
                decision=True, style="warning"),
    # 转保密审定: the item stays in secrecy review, waiting for the authority (workflow/referrals.py)
    TriggerSpec("refer", N_("转保密审定"), (S.SECRECY_REVIEW,), STAY,
                permission=(guards.role_in_department(REVIEWER), guards.no_open_referral),
                fields=(QUESTION, AUTHORITY), effect=open_referral, style="info"),
    TriggerSpec("record_referral", N_("登记审定结果"), (S.SECRECY_REVIEW,), STAY,
                permission=(guards.has_open_referral, guards.asker_or_role(REVIEWER, ADMIN)),
                fields=(DETERMINATION, ANSWER, DOCUMENT_NO), effect=record_answer, style="info"),
    TriggerSpec("approve", N_("批准"), (S.APPROVAL,), S.PUBLISHED,
                permission=(guards.step_decider(APPROVER), guards.NOT_A_CONTRIBUTOR_TO_APPROVE,
                            guards.not_the_reviewer),
                fields=(PUBLISH_AT, APPROVAL_OPINION), routes=(Route(S.SCHEDULED, guards.publish_at_in_future),),
                decision=True, awaited_by=APPROVER, effect=record_approval, style="success"),
    TriggerSpec("reject", N_("不予批准"), (S.APPROVAL,), S.DRAFT,
                permission=(guards.step_decider(APPROVER, voting=False),), fields=(REJECT_OPINION,),
                decision=True, style="danger"),
    TriggerSpec("publish", N_("发布"), (S.SCHEDULED,), S.PUBLISHED,
                permission=(guards.role_in_department(ADMIN),)),
    TriggerSpec("archive", N_("归档"), (S.PUBLISHED,), S.ARCHIVED,
                permission=(guards.role_in_department(ADMIN),), fields=(REASON,), style="secondary"),
    TriggerSpec("take_down", N_("撤下"), (S.PUBLISHED, S.SCHEDULED), S.ARCHIVED,
                permission=(guards.role_in_department(ADMIN),), fields=(REASON.mandatory(), LEAK), decision=True,
                effect=record_incident, style="danger"),
)

ITEM_SPEC: WorkflowSpec[ItemContext] = WorkflowSpec(
    "item", ItemState, ITEM_TRIGGERS, initial=S.DRAFT,
    on_enter={S.PUBLISHED: enter_published, S.ARCHIVED: enter_archived}, stored_as=STORED_STATES)
if {name for name, trigger in ITEM_SPEC.triggers.items() if trigger.decision} != set(DECISION_KINDS):
    raise ValueError("item triggers writing decisions differ from db.models.items.DECISION_KINDS (CHECK kind_known)")

STATES: tuple[str, ...] = ITEM_SPEC.state_values
OPEN_STATES: tuple[str, ...] = ITEM_SPEC.open_states
TRIGGERS: tuple[str, ...] = tuple(ITEM_SPEC.triggers)
STATE_LABELS: dict[str, str] = {state.value: state.label for state in ItemState}
TRIGGER_LABELS: dict[str, str] = {name: trigger.label for name, trigger in ITEM_SPEC.triggers.items()}


def board_states(spec: WorkflowSpec[ItemContext]) -> tuple[str, ...]:
    """The stages a department board counts: the open states, then ``scheduled`` (approved, waiting for
    its publication time)."""
    return (*spec.open_states, S.SCHEDULED.value)


def spec_of(app: Gongkai) -> WorkflowSpec[ItemContext]:
    """The item spec ``app`` runs: ``ITEM_SPEC`` unless the instance was built with a variant."""
    return getattr(app, "item_spec", None) or ITEM_SPEC


def enters_review(trigger: TriggerSpec) -> bool:
    """Whether ``trigger`` hands a draft to the secrecy review: the screens show the drafter the open
    blocking findings of the self-check first (the reviewer decides; the submission is not blocked)."""
    return ItemState.SECRECY_REVIEW.value in trigger.dests and ItemState.DRAFT.value in trigger.sources

"""Guards of the item workflow: each takes the resolved ``ItemContext`` and raises or lets it pass.

Permission guards (who may fire a trigger) run for ``permitted`` as well as for ``fire``; checks (what
the inputs must satisfy) run only when firing. They read nothing but the context the service resolved,
so they are pure and testable without a database. Separation of duties holds per revision and for every
role, admin included: author/submitter/contributors, secrecy reviewer and approver are three people.

The task lists ask the permission guards' question of the whole table: each guard's SQL form lives in
``workflow/task_filters.py`` (this module stays free of SQL), registered under the guard's class.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from workflow.access import ADMIN, require_role
from workflow.errors import BlockedByFindings, Conflict, Forbidden, ValidationFailed
from workflow.i18n import N_
from workflow.item_context import ITEM_FIELD_LABELS
from workflow.i18n import gettext as _

if TYPE_CHECKING:
    from workflow.item_context import ItemContext

Guard = Callable[["ItemContext"], None]


@dataclass(frozen=True)
class RoleInDepartment:
    """The actor holds ``role`` for the item's department (admins: any department)."""

    role: str

    def __call__(self, ctx: ItemContext) -> None:
        require_role(ctx.actor, self.role, None if self.role == ADMIN else ctx.department_id)


@dataclass(frozen=True)
class StepDecider:
    """Who decides the stage: on the default route, ``role`` for the item's department (as
    ``RoleInDepartment``); on a stored route (docs/routes.md), a decider of the stage's active step.
    ``voting`` (pass_review, approve): the actor has not voted on this revision yet, on any step.
    Otherwise (return, reject): the department's ``role`` may also send the item back, as today."""

    role: str
    voting: bool = True

    def __call__(self, ctx: ItemContext) -> None:
        route = ctx.route
        if route is None:
            require_role(ctx.actor, self.role, ctx.department_id)
            return
        step = route.active(ctx.state or "")
        if step is None or not step.admits(ctx.actor, ctx.department_id):
            if not self.voting and ctx.actor.acts_as(self.role, ctx.department_id):
                return
            raise Forbidden("您不是当前步骤“%(step)s”的决定人", code="not_a_step_decider",
                            step=_(step.name) if step else "")
        if self.voting and route.voted(ctx.actor.id):
            raise Forbidden("职责分离：您已对本稿投过票，同一稿件每人只能决定一次", code="separation_of_duties")


@dataclass(frozen=True)
class SubmitterOrRole:
    """The person who submitted this revision, or anyone holding ``role`` for the department."""

    role: str

    def __call__(self, ctx: ItemContext) -> None:
        if ctx.actor.id is not None and ctx.actor.id == ctx.submitted_by_id:
            return
        require_role(ctx.actor, self.role, ctx.department_id)


@dataclass(frozen=True)
class NotAContributor:
    """Nobody who shaped the revision decides it: not its author, submitter or any contributor.

    ``what`` names the decision in the refusal ("审查本稿"), marked with ``N_`` where it is declared.
    """

    what: str

    def __call__(self, ctx: ItemContext) -> None:
        if ctx.actor.id in {ctx.author_id, ctx.submitted_by_id}:
            raise Forbidden("职责分离：您是本稿的起草人或提交人，不能%(what)s", code="separation_of_duties",
                            what=_(self.what))
        # Anyone who changed the content (edit, attachment, masking, a revision's copy) wrote part
        # of what is decided on: a contributor decides on it no more than its author does.
        if ctx.actor.id is not None and ctx.actor.id in ctx.contributor_ids:
            raise Forbidden("职责分离：您修改过本稿的内容（正文、附件或脱敏），不能%(what)s",
                            code="separation_of_duties", what=_(self.what))


# Parametrised guards are values (frozen dataclasses): equal guards compare equal, so the task lists'
# SQL forms (workflow/task_filters.py) find them by class.
def role_in_department(role: str) -> RoleInDepartment:
    """The permission guard "holds ``role`` for the item's department"."""
    return RoleInDepartment(role)


def step_decider(role: str, voting: bool = True) -> StepDecider:
    """The permission guard "decides the active step of the item's route" (``role`` on the default route)."""
    return StepDecider(role, voting)


def submitter_or_role(role: str) -> SubmitterOrRole:
    """The permission guard "submitted this revision, or holds ``role`` for the department"."""
    return SubmitterOrRole(role)


def not_a_contributor(what: str) -> NotAContributor:
    """The separation-of-duties guard for the decision ``what``."""
    return NotAContributor(what)


NOT_A_CONTRIBUTOR_TO_REVIEW = not_a_contributor(N_("审查本稿"))
NOT_A_CONTRIBUTOR_TO_APPROVE = not_a_contributor(N_("批准本稿"))


def not_the_reviewer(ctx: ItemContext) -> None:
    """The approver did not also review this revision: neither as its reviewer of record nor as the delegate
    who passed it for them (乙 代 甲, ``workflow.delegation``)."""
    if ctx.actor.id is not None and ctx.actor.id in (ctx.reviewed_by_id, ctx.review_acted_by_id):
        raise Forbidden("职责分离：您已对本稿做过保密审查，不能再批准", code="separation_of_duties")


def check_separation(permission: tuple[Guard, ...], ctx: ItemContext) -> None:
    """The separation-of-duties part of a trigger's ``permission`` for ``ctx.actor`` — the delegate acting for
    someone (``workflow.delegation``): not a contributor to the revision, not its reviewer (for an approval),
    not a voter on it already (a route step's vote). Who may decide at all is the delegator's question."""
    for guard in permission:
        if isinstance(guard, NotAContributor) or guard is not_the_reviewer:
            guard(ctx)
        elif isinstance(guard, StepDecider) and guard.voting and ctx.route is not None \
                and ctx.route.voted(ctx.actor.id):
            raise Forbidden("职责分离：您已对本稿投过票，同一稿件每人只能决定一次", code="separation_of_duties")


def complete_for_submit(ctx: ItemContext) -> None:
    """Every field a submission needs is filled in."""
    if ctx.missing_fields:
        raise ValidationFailed("提交前请补全以下内容：%(fields)s", code="incomplete",
                               field=ctx.missing_fields[0],
                               fields="、".join(_(ITEM_FIELD_LABELS.get(name, name)) for name in ctx.missing_fields),
                               details={"missing": ctx.missing_fields})


def checklist_clear(ctx: ItemContext) -> None:
    """The checklist is complete, nothing blocks, and every "yes" carries what the law requires for it
    (``workflow.checklist``)."""
    ctx.checklist_review  # noqa: B018 - judging it is the check; the effect records the result


def no_open_blocking_findings(ctx: ItemContext) -> None:
    """No blocking scan finding is left open (accepted ones carry a legal basis)."""
    if ctx.open_blocking_findings:
        raise BlockedByFindings("保密自检发现%(count)d处阻断性问题，须退回修改或在有法律依据时确认后方可通过",
                                count=len(ctx.open_blocking_findings),
                                details={"findings": ctx.open_blocking_findings})


def personal_info_answer_checked(ctx: ItemContext) -> None:
    """A pass answering 个人信息=否 while the scan found personal information in this revision (an ID
    number, a phone …) needs the reviewer's explicit confirmation that they checked each finding: the two
    disagree, and a slip here puts a 名单's ID numbers on the public site."""
    checklist_answers = ctx.inputs.get("checklist")
    said_no = isinstance(checklist_answers, dict) and checklist_answers.get("personal_info") is False
    if said_no and ctx.personal_info_findings and ctx.inputs.get("personal_info_confirmed") is not True:
        raise ValidationFailed("保密自检在本稿中发现 %(count)d 处个人信息，但审查清单选择了“不涉及个人信息”："
                               "请核对后确认，或将该项改为“是”", code="personal_info_unconfirmed",
                               field="personal_info_confirmed", count=ctx.personal_info_findings)


def publish_at_in_future(ctx: ItemContext) -> bool:
    """Approve leads to ``scheduled`` rather than ``published`` when the publication time is ahead."""
    publish_at = ctx.publish_at
    return publish_at is not None and publish_at > ctx.now


# --------------------------------------------------------------------------- referral to the 保密办 (转保密审定)

def no_open_referral(ctx: ItemContext) -> None:
    """A referral is asked one at a time: the next question waits for the first answer."""
    if ctx.referral.open_id is not None:
        raise Conflict("该事项已转保密办审定，尚未登记审定结果", code="referral_open",
                       details={"referral": ctx.referral.open_id})


def has_open_referral(ctx: ItemContext) -> None:
    """Recording an answer needs a referral waiting for one."""
    if ctx.referral.open_id is None:
        raise Conflict("该事项没有待登记结果的转保密审定", code="no_open_referral")


@dataclass(frozen=True)
class AskerOrRole:
    """The person who referred the item, or anyone holding one of ``roles`` for its department
    (an admin: any department)."""

    roles: tuple[str, ...]

    def __call__(self, ctx: ItemContext) -> None:
        if ctx.actor.id is not None and ctx.actor.id == ctx.referral.asked_by_id:
            return
        if any(ctx.actor.acts_as(role, ctx.department_id) or (role == ADMIN and ctx.actor.is_admin)
               for role in self.roles):
            return
        raise Forbidden("只有转审人、本部门保密审查员或管理员可以登记审定结果", code="forbidden")


def asker_or_role(*roles: str) -> AskerOrRole:
    """The permission guard "referred this item, or holds one of ``roles``"."""
    return AskerOrRole(tuple(roles))


def referral_settled(ctx: ItemContext) -> None:
    """pass_review: no referral is waiting for the secrecy authority, and it did not find this revision
    secret or partly secret (保守国家秘密法实施条例 Art. 25; such a revision is returned, never passed)."""
    if ctx.referral.pending:
        raise Conflict("该事项已转保密办审定，须待登记审定结果后方可审查通过（可退回修改）", code="referral_open",
                       details={"referral": ctx.referral.open_id})
    if ctx.referral.determination == "secret":
        raise Conflict("保密工作机构已审定本稿属于国家秘密，不能审查通过，请退回", code="referral_secret")
    if ctx.referral.determination == "partly":
        raise Conflict("保密工作机构已审定本稿部分涉密，须退回删除或脱敏后重新提交", code="referral_partly_secret")

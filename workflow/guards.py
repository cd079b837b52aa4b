"""Guards of the item machine: each raises a domain error or lets the trigger pass.

They read only the ``TransitionContext`` the service resolved, so they are pure and
testable without a database. Separation of duties holds per revision and for every role,
admin included: author/submitter, secrecy reviewer and approver are three people.
"""
from __future__ import annotations

from typing import Any

from transitions import EventData

from workflow.access import ADMIN, APPROVER, DRAFTER, REVIEWER, require_role
from workflow.errors import BlockedByFindings, Forbidden, ValidationFailed
from workflow.i18n import gettext as _


def _ctx(event: EventData) -> Any:
    return event.kwargs["context"]


def _require_reason(reason: str | None) -> None:
    if reason is None or not str(reason).strip():
        raise ValidationFailed("请填写理由", code="reason_required", field="reason")


def may_submit(event: EventData) -> None:
    """A drafter of the department, with every required field filled in."""
    ctx = _ctx(event)
    require_role(ctx.actor, DRAFTER, ctx.department_id)
    if ctx.missing_fields:
        raise ValidationFailed("提交前请补全以下内容：%(fields)s", code="incomplete",
                               field=ctx.missing_fields[0], fields="、".join(ctx.missing_fields),
                               details={"missing": ctx.missing_fields})


def may_withdraw(event: EventData) -> None:
    """The submitter, or any drafter of the department."""
    ctx = _ctx(event)
    if ctx.actor.id is not None and ctx.actor.id == ctx.submitted_by_id:
        return
    require_role(ctx.actor, DRAFTER, ctx.department_id)


def _not_author_or_submitter(ctx: Any, what: str) -> None:
    if ctx.actor.id in {ctx.author_id, ctx.submitted_by_id}:
        raise Forbidden("职责分离：您是本稿的起草人或提交人，不能%(what)s", code="separation_of_duties", what=_(what))
    # Anyone who changed the content (edit, attachment, masking, a revision's copy) wrote part
    # of what is decided on: a contributor decides on it no more than its author does.
    if ctx.actor.id is not None and ctx.actor.id in ctx.contributor_ids:
        raise Forbidden("职责分离：您修改过本稿的内容（正文、附件或脱敏），不能%(what)s", code="separation_of_duties",
                        what=_(what))


def may_pass_review(event: EventData) -> None:
    """A reviewer in scope, not the author or submitter; checklist complete and clear."""
    ctx = _ctx(event)
    require_role(ctx.actor, REVIEWER, ctx.department_id)
    _not_author_or_submitter(ctx, "审查本稿")
    check_checklist(ctx.checklist, ctx.legal_basis, ctx.checklist_keys, ctx.blocking_keys)
    if ctx.open_blocking_findings:
        raise BlockedByFindings("保密自检发现%(count)d处阻断性问题，须退回修改或在有法律依据时确认后方可通过",
                                count=len(ctx.open_blocking_findings),
                                details={"findings": ctx.open_blocking_findings})


def may_return(event: EventData) -> None:
    """A reviewer in scope, with a reason."""
    ctx = _ctx(event)
    require_role(ctx.actor, REVIEWER, ctx.department_id)
    _require_reason(ctx.reason)


def may_approve(event: EventData) -> None:
    """An approver in scope who is neither the author/submitter nor this revision's reviewer."""
    ctx = _ctx(event)
    require_role(ctx.actor, APPROVER, ctx.department_id)
    _not_author_or_submitter(ctx, "批准本稿")
    if ctx.actor.id is not None and ctx.actor.id == ctx.reviewed_by_id:
        raise Forbidden("职责分离：您已对本稿做过保密审查，不能再批准", code="separation_of_duties")


def may_reject(event: EventData) -> None:
    """An approver in scope, with a reason."""
    ctx = _ctx(event)
    require_role(ctx.actor, APPROVER, ctx.department_id)
    _require_reason(ctx.reason)


def may_publish(event: EventData) -> None:
    """The scheduler at ``publish_at``, or an admin."""
    require_role(_ctx(event).actor, ADMIN)


def may_archive(event: EventData) -> None:
    """The scheduler (公示期 end, superseded) or an admin."""
    require_role(_ctx(event).actor, ADMIN)


def may_take_down(event: EventData) -> None:
    """An admin, with a reason."""
    ctx = _ctx(event)
    require_role(ctx.actor, ADMIN)
    _require_reason(ctx.reason)


def publish_at_in_future(event: EventData) -> bool:
    """Approve goes to ``scheduled`` rather than ``published`` when publish_at is ahead."""
    ctx = _ctx(event)
    return ctx.publish_at is not None and ctx.publish_at > ctx.now


def check_checklist(checklist: Any, legal_basis: str | None, keys: tuple[str, ...],
                    blocking: tuple[str, ...]) -> None:
    """The six pass-review questions: all answered with booleans, none blocking."""
    if not isinstance(checklist, dict):
        raise ValidationFailed("请完成保密审查清单", code="checklist_required", field="checklist")
    missing = [key for key in keys if key not in checklist]
    if missing:
        raise ValidationFailed("审查清单未完成：缺少 %(keys)s", code="checklist_incomplete", field="checklist",
                               keys="、".join(missing), details={"missing": missing})
    not_bool = [key for key in keys if not isinstance(checklist[key], bool)]
    if not_bool:
        raise ValidationFailed("审查清单的回答必须是“是”或“否”：%(keys)s", code="checklist_invalid",
                               field="checklist", keys="、".join(not_bool))
    unknown = sorted(set(checklist) - set(keys))
    if unknown:
        raise ValidationFailed("审查清单含有未知项：%(keys)s", code="checklist_invalid", field="checklist",
                               keys="、".join(unknown))
    hits = [key for key in blocking if checklist[key]]
    if hits:
        raise ValidationFailed("审查清单显示含有不得公开的内容（%(keys)s），请退回修改", code="checklist_blocks",
                               field="checklist", keys="、".join(hits), details={"blocking": hits})
    if checklist.get("personal_info") and not (legal_basis or "").strip():
        raise ValidationFailed("含有个人信息时须填写公开的法律依据", code="legal_basis_required", field="legal_basis")

"""转办 (reassign): the 信息公开办公室 moves the pending vote of the active route step from one person to another.

It applies to the steps of a review route that name their deciders (``users``): there the vote is a named
person's, and it can be handed to another. A step decided by a role (the item's department's reviewers, a
named department's approvers) already belongs to everyone holding the role, and the default route has no
named people at all: there is nothing to move (409 ``reassign_not_applicable``; the office changes who holds
the role, or a delegation covers an absence: docs/delegation.md).

``from`` must hold a pending vote on the step (named on it, not voted on the revision yet); ``to`` must be
eligible: an active user holding the step's role, not named on the step already, not a voter on the revision,
and not its author, submitter or a contributor (separation of duties). The step-user row of ``from`` is
replaced by one for ``to`` that records whom it replaced, who reassigned it, when and why; the revision's
route snapshot (what the guards judge) names ``to`` instead of ``from``; the item's version moves on, so a
vote of ``from`` racing the reassignment is judged again and refused. Audited (``reassign``); both people
are told. The holders (当前处理人) follow at once: they are read from the step-user rows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from db.models import User
from db.models.routes import ItemRouteSnapshot, ItemRouteStep, ItemRouteStepUser
from workflow import audit, item_store, route_votes
from workflow.access import Actor, actor_from_user
from workflow.context import Gongkai
from workflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflow.holders import REVIEW_STAGES
from workflow.i18n import gettext as _
from workflow.inputs import check_text, json_object, parse_text
from workflow.notifications import Directory, item_link, notify
from workflow.routes.model import USERS
from workflow.routes.progress import StepProgress
from workflow.services.items import write_transaction

FIELDS = ("from", "to", "reason")
MAX_REASON = 500


def _username(data: Mapping[str, Any], name: str, label: str) -> str:
    value = data.get(name)
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed("请选择%(label)s", code=f"{name}_required", field=name, label=_(label))
    if not isinstance(value, str) or len(value) > 64:
        raise ValidationFailed("%(label)s必须是用户名", code="invalid_type", field=name, label=_(label))
    return check_text(value.strip(), name, single_line=True)


def parse(data: Any) -> tuple[str, str, str]:
    """``(from, to, reason)`` of a 转办 body (422 for anything missing, mistyped or unknown)."""
    json_object(data, FIELDS)
    source, target = _username(data, "from", "原处理人"), _username(data, "to", "新处理人")
    reason = parse_text(data.get("reason"), "reason", label="转办理由", max_len=MAX_REASON, multiline=True)
    return source, target, str(reason)


def _active_named_step(session: Session, loaded: item_store.LoadedItem) -> StepProgress:
    """The active step of the item's route, if it names its deciders; 409 otherwise."""
    item = loaded.item
    route = route_votes.progress(session, loaded) if item.state in REVIEW_STAGES else None
    step = route.active(item.state) if route is not None else None
    if step is None:
        raise Conflict("转办只适用于审批路线中指定人员的步骤；该事项当前没有这样的待办步骤", code="reassign_not_applicable")
    if step.kind != USERS:
        raise Conflict("转办只适用于审批路线中指定人员的步骤；当前步骤“%(step)s”由角色决定，请调整角色或设置委托",
                       code="reassign_not_applicable", step=_(step.name))
    return step


def candidates(app: Gongkai, actor: Actor, item_id: int) -> dict[str, Any]:
    """The 转办 form of the item page: the active named step, who holds a pending vote there (``from``) and who
    could take it over (``to``); None-like empty lists when 转办 does not apply."""
    if not actor.is_admin:
        return {"step": None, "from": [], "to": []}
    with app.db.read() as session:
        loaded = item_store.load(session, item_id)
        if loaded is None:
            raise NotFound("事项不存在或您无权查看", code="item_not_found")
        try:
            step = _active_named_step(session, loaded)
        except Conflict:
            return {"step": None, "from": [], "to": []}
        route = route_votes.progress(session, loaded)
        voted = {v.user_id for s in route.steps for v in s.votes} | {v.acted_by_id for s in route.steps
                                                                    for v in s.votes if v.acted_by_id}
        excluded = {loaded.item.author_id, loaded.item.submitted_by_id, *loaded.contributor_ids, *voted}
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.username))
        holders, others = [], []
        for user in users:
            entry = {"username": user.username, "name": user.display_name or user.username}
            if user.id in step.user_ids:
                if user.id not in voted:
                    holders.append(entry)
            elif user.id not in excluded and step.role in user.roles:
                others.append(entry)
    return {"step": _(step.name), "from": holders, "to": others}


def reassign(app: Gongkai, actor: Actor, item_id: int, data: Any) -> Any:
    """转办 ``from`` → ``to`` on the item's active named step, with a reason; returns the item."""
    if not actor.is_admin:
        raise Forbidden("只有信息公开办公室可以转办", code="forbidden")
    source_name, target_name, reason = parse(data)
    now = app.now()
    with write_transaction(app) as session:
        loaded = item_store.load(session, item_id)
        if loaded is None:
            raise NotFound("事项不存在或您无权查看", code="item_not_found")
        item = loaded.item
        step = _active_named_step(session, loaded)
        route = route_votes.progress(session, loaded)
        assert route is not None and loaded.revision_id is not None  # a named active step has both
        users = {u.username: u for u in session.scalars(select(User).where(User.username.in_([source_name, target_name])))}
        source, target = users.get(source_name), users.get(target_name)
        if source is None or source.id not in step.user_ids or route.voted(source.id):
            raise Conflict("%(name)s 当前在步骤“%(step)s”没有待办的表决，无需转办", code="not_a_holder",
                           name=source_name, step=_(step.name))
        _check_target(target, target_name, source, step, route.voted, loaded)
        assert target is not None
        step_id = session.scalar(select(ItemRouteStep.id).where(ItemRouteStep.revision_id == loaded.revision_id,
                                                               ItemRouteStep.position == step.position))
        session.execute(delete(ItemRouteStepUser).where(ItemRouteStepUser.step_id == step_id,
                                                        ItemRouteStepUser.user_id == source.id))
        session.execute(insert(ItemRouteStepUser).values(
            step_id=step_id, user_id=target.id, reassigned_from_id=source.id, reassigned_by_id=actor.id,
            reassigned_at=now, reassign_reason=reason))
        _rename_in_snapshot(session, loaded.revision_id, step.position, source, target)
        # the item's version moves on: a vote of ``from`` loaded before this commit is judged again (StaleVersion)
        item_store.write(session, item, {"updated_at": now})
        _tell(app, session, item, step, source, target, reason, now)
        audit.append(session, at=now, actor=actor, subject=f"item:{item.id}", item_id=item.id, action="reassign",
                     from_state=item.state, to_state=item.state, reason=reason, revision_hash=item.content_hash,
                     data={"revision": item.revision, "step": step.name, "from": source.username,
                           "to": target.username})
        return item


def _check_target(target: User | None, name: str, source: User, step: StepProgress, voted: Any,
                  loaded: item_store.LoadedItem) -> None:
    """``to`` may take the vote over: active, the step's role, not on the step yet, no conflict of duties."""
    if target is None or not target.active:
        raise ValidationFailed("新处理人不存在或已停用：%(name)s", code="unknown_user", field="to", name=name)
    if target.id == source.id:
        raise ValidationFailed("新处理人与原处理人相同", code="same_person", field="to")
    if target.id in step.user_ids:
        raise ValidationFailed("%(name)s 已是步骤“%(step)s”的决定人", code="already_decider", field="to",
                               name=name, step=_(step.name))
    if not actor_from_user(target).has_role(step.role):
        raise ValidationFailed("%(name)s 没有本步骤所需的角色", code="not_eligible", field="to", name=name)
    item = loaded.item
    if target.id in {item.author_id, item.submitted_by_id} or target.id in loaded.contributor_ids:
        raise ValidationFailed("职责分离：%(name)s 起草、提交或修改过本稿，不能决定它", code="separation_of_duties",
                               field="to", name=name)
    if voted(target.id):
        raise ValidationFailed("职责分离：%(name)s 已对本稿投过票，同一稿件每人只能决定一次", code="separation_of_duties",
                               field="to", name=name)


def _rename_in_snapshot(session: Session, revision_id: int, position: int, source: User, target: User) -> None:
    """The revision's route snapshot names ``target`` where it named ``source`` on step ``position``: the
    guards judge the snapshot (``route_votes.progress``), the lists and holders the step-user rows."""
    snapshot = session.scalar(select(ItemRouteSnapshot.route).where(ItemRouteSnapshot.revision_id == revision_id))
    steps = [dict(step) for step in snapshot["steps"]]
    step = steps[position - 1]
    step["user_ids"] = sorted({*(i for i in step.get("user_ids") or () if i != source.id), target.id})
    step["users"] = [target.username if u == source.username else u for u in step.get("users") or ()]
    if target.username not in step["users"]:
        step["users"].append(target.username)
    session.execute(update(ItemRouteSnapshot).where(ItemRouteSnapshot.revision_id == revision_id)
                    .values(route={**snapshot, "steps": steps}))


def _tell(app: Gongkai, session: Session, item: Any, step: StepProgress, source: User, target: User, reason: str,
          now: datetime) -> None:
    params = {"title": item.title or "", "step": _(step.name), "from": source.display_name or source.username,
              "to": target.display_name or target.username, "reason": reason, "link": item_link(app, item.id)}
    directory = Directory(session)
    notify(session, directory.users([target.id]), kind="reassigned", key=f"reassign:{item.id}:{now.isoformat()}:to",
           now=now, item_id=item.id, title=_("转办给您：《%(title)s》%(step)s", **params),
           body=_("信息公开办公室将事项《%(title)s》“%(step)s”的表决由 %(from)s 转给您办理。\n理由：%(reason)s\n查看：%(link)s",
                  **params))
    notify(session, directory.users([source.id]), kind="reassigned", key=f"reassign:{item.id}:{now.isoformat()}:from",
           now=now, item_id=item.id, title=_("已转办：《%(title)s》%(step)s", **params),
           body=_("信息公开办公室已将事项《%(title)s》“%(step)s”中您的表决转给 %(to)s 办理，您无需再处理。\n理由：%(reason)s",
                  **params))


__all__ = ["candidates", "parse", "reassign"]

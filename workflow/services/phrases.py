"""常用意见: each user's opinion phrases, one list per decision (``GET/PUT /api/v1/me/phrases``, 个人设置).

A decision whose opinion box offers phrases (``workflow.opinions.phrase_triggers``: pass_review, return,
approve, reject) has built-in ones (``Field.phrases``, translated). Until the user changes a decision's
list they are offered the built-in phrases; their own list (even an empty one) then replaces them, and
"恢复默认" brings the built-in ones back. A user reads and changes only their own lists: every verb works
on the caller's row and takes no user name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.models import User
from db.models.phrases import UserPhrases
from workflow.access import Actor
from workflow.context import Gongkai
from workflow.errors import Forbidden, NotFound, ValidationFailed
from workflow.i18n import N_, gettext
from workflow.inputs import json_object, parse_text
from workflow.item_spec import spec_of
from workflow.opinions import opinion_field, phrase_triggers

#: The longest phrase (one line), and the most phrases one decision's list keeps.
PHRASE_MAX = 200
PHRASES_MAX = 20
_LABEL = N_("常用意见")


@dataclass(frozen=True)
class PhraseList:
    """One decision's phrases as the settings page shows them."""

    decision: str
    label: str  # the decision's label (a msgid): 审查通过, 退回修改, …
    box: str  # the label of its opinion box (a msgid): 审查意见 or 审批意见
    phrases: tuple[str, ...]
    own: bool  # the user's own list (False: the built-in phrases)
    roles: frozenset[str]  # who takes this decision (the roles awaited in its source states)


def phrase_lists(app: Gongkai, actor: Actor) -> list[PhraseList]:
    """The caller's list for every decision that offers phrases, in the workflow's order."""
    _require_user(actor)
    spec = spec_of(app)
    with app.db.read() as session:
        own = _own(session, actor)
    lists = []
    for name, trigger in phrase_triggers(spec).items():
        field = opinion_field(trigger)
        assert field is not None
        roles = frozenset(role for state, role, _t in spec.awaited() if state in trigger.sources)
        phrases = tuple(own[name]) if name in own else tuple(gettext(p) for p in field.phrases)
        lists.append(PhraseList(name, trigger.label, field.label, phrases, name in own, roles))
    return lists


def my_phrases(app: Gongkai, actor: Actor) -> dict[str, list[str]]:
    """``{decision: [phrase, …]}``: what the caller's opinion boxes offer (their own or the built-in)."""
    return {entry.decision: list(entry.phrases) for entry in phrase_lists(app, actor)}


def set_my_phrases(app: Gongkai, actor: Actor, data: Any) -> dict[str, list[str]]:
    """Replace the lists ``data`` names (``{decision: [phrase, …] | null}``; null: the built-in phrases
    again); the lists it leaves out stay as they are. Phrases are single lines of up to ``PHRASE_MAX``
    characters, at most ``PHRASES_MAX`` per decision; a repeated phrase is kept once. Nothing changes
    unless every list is valid."""
    _require_user(actor)
    decisions = phrase_triggers(spec_of(app))
    json_object(data, decisions)
    lists = {decision: None if value is None else _parse_list(value, decision) for decision, value in data.items()}
    with app.db.write() as session:
        _lock(session, actor)
        for decision, phrases in lists.items():
            _store(session, actor, decision, phrases, app)
    return my_phrases(app, actor)


def add_phrase(app: Gongkai, actor: Actor, decision: str, text: Any) -> str:
    """Add ``text`` at the end of the caller's list for ``decision`` (the built-in phrases become their own
    list first); 422 when it is empty, too long, already there, or the list is full. Returns the phrase."""
    phrase = _parse_phrase(text, "phrase")
    current = _current(app, actor, decision)
    if phrase in current:
        raise ValidationFailed("“%(phrase)s”已在常用意见中", code="duplicate", field="phrase", phrase=phrase)
    if len(current) >= PHRASES_MAX:
        raise ValidationFailed("每项决定最多保存 %(max)d 条常用意见", code="too_many", field="phrase", max=PHRASES_MAX)
    _replace(app, actor, decision, [*current, phrase])
    return phrase


def remove_phrase(app: Gongkai, actor: Actor, decision: str, text: Any) -> None:
    """Remove ``text`` from the caller's list for ``decision``; 404 when the list does not hold it."""
    current = _current(app, actor, decision)
    if not isinstance(text, str) or text not in current:
        raise NotFound("常用意见不存在", code="phrase_not_found")
    _replace(app, actor, decision, [phrase for phrase in current if phrase != text])


def reset_phrases(app: Gongkai, actor: Actor, decision: str) -> None:
    """The built-in phrases for ``decision`` again (the caller's own list is dropped)."""
    _current(app, actor, decision)  # 404 for a decision without phrases
    _replace(app, actor, decision, None)


# -- helpers -----------------------------------------------------------------------------------------

def _require_user(actor: Actor) -> None:
    if actor.id is None:
        raise Forbidden("只有登录用户才有常用意见", code="forbidden")


def _own(session: Session, actor: Actor) -> dict[str, list[str]]:
    rows = session.execute(select(UserPhrases.decision, UserPhrases.phrases).where(UserPhrases.user_id == actor.id))
    return {row.decision: [p for p in (row.phrases or []) if isinstance(p, str)] for row in rows}


def _current(app: Gongkai, actor: Actor, decision: str) -> list[str]:
    """The caller's phrases for ``decision`` as offered now; 404 for a decision that offers none."""
    entry = next((e for e in phrase_lists(app, actor) if e.decision == decision), None)
    if entry is None:
        raise NotFound("没有这一项决定的常用意见", code="decision_not_found")
    return list(entry.phrases)


def _replace(app: Gongkai, actor: Actor, decision: str, phrases: list[str] | None) -> None:
    with app.db.write() as session:
        _lock(session, actor)
        _store(session, actor, decision, phrases, app)


def _lock(session: Session, actor: Actor) -> None:
    # one user's two saves at once (two tabs) run one after the other: delete-then-insert cannot collide
    session.execute(select(User.id).where(User.id == actor.id).with_for_update())


def _store(session: Session, actor: Actor, decision: str, phrases: list[str] | None, app: Gongkai) -> None:
    session.execute(delete(UserPhrases).where(UserPhrases.user_id == actor.id, UserPhrases.decision == decision))
    if phrases is not None:
        session.execute(insert(UserPhrases).values(user_id=actor.id, decision=decision, phrases=phrases,
                                                   updated_at=app.now()))


def _parse_phrase(value: Any, field: str) -> str:
    if isinstance(value, str) and len(value) > PHRASE_MAX:  # as sent, before trimming (the API schema's limit)
        raise ValidationFailed("%(label)s过长（最多 %(max)d 个字符）", code="too_long", field=field,
                               label=gettext(_LABEL), max=PHRASE_MAX)
    phrase = parse_text(value, field, label=_LABEL, max_len=PHRASE_MAX)
    assert phrase is not None
    return phrase


def _parse_list(value: Any, decision: str) -> list[str]:
    if not isinstance(value, list):
        raise ValidationFailed("%(field)s 必须是文本列表", code="invalid_type", field=decision)
    if len(value) > PHRASES_MAX:
        raise ValidationFailed("每项决定最多保存 %(max)d 条常用意见", code="too_many", field=decision, max=PHRASES_MAX)
    phrases = [_parse_phrase(entry, f"{decision}[{n}]") for n, entry in enumerate(value)]
    return list(dict.fromkeys(phrases))

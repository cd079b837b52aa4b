"""常用意见 per user (workflow/services/phrases.py), on both databases: built-in until changed, one's own after,
never another user's."""
from __future__ import annotations

import pytest

from tests.conftest import World
from workflow.errors import NotFound, ValidationFailed
from workflow.i18n import locale_context
from workflow.services import phrases


def test_everyone_starts_with_the_built_in_phrases_per_decision(world: World) -> None:
    offered = phrases.my_phrases(world.app, world.reviewer)
    assert list(offered) == ["pass_review", "return", "approve", "reject"]
    assert "同意公开" in offered["pass_review"] and "请删除个人身份信息后重新提交" in offered["return"]
    assert "同意，按期发布" in offered["approve"] and "请补充法律依据" in offered["reject"]
    with locale_context("en"):
        english = phrases.my_phrases(world.app, world.reviewer)
    assert "Agreed: may be published" in english["pass_review"]


def test_adding_and_removing_makes_the_list_ones_own(world: World) -> None:
    app, reviewer = world.app, world.reviewer
    phrases.add_phrase(app, reviewer, "return", "  请补充学生本人书面同意  ")
    own = phrases.my_phrases(app, reviewer)["return"]
    assert own[-1] == "请补充学生本人书面同意" and "请补充法律依据" in own   # the built-in ones kept, in order
    phrases.remove_phrase(app, reviewer, "return", "请补充法律依据")
    assert "请补充法律依据" not in phrases.my_phrases(app, reviewer)["return"]
    entry = next(e for e in phrases.phrase_lists(app, reviewer) if e.decision == "return")
    assert entry.own and entry.box == "审查意见"
    # the other decisions' lists are untouched (still built-in)
    assert not next(e for e in phrases.phrase_lists(app, reviewer) if e.decision == "pass_review").own
    phrases.reset_phrases(app, reviewer, "return")
    assert "请补充法律依据" in phrases.my_phrases(app, reviewer)["return"]
    assert "请补充学生本人书面同意" not in phrases.my_phrases(app, reviewer)["return"]


def test_an_emptied_list_stays_empty(world: World) -> None:
    app = world.app
    phrases.set_my_phrases(app, world.approver, {"approve": []})
    assert phrases.my_phrases(app, world.approver)["approve"] == []
    phrases.set_my_phrases(app, world.approver, {"approve": None})
    assert "同意公开" in phrases.my_phrases(app, world.approver)["approve"]


def test_a_user_never_sees_nor_changes_anothers_phrases(world: World) -> None:
    app = world.app
    phrases.set_my_phrases(app, world.reviewer, {"pass_review": ["同意，已核对奖学金名单"]})
    phrases.add_phrase(app, world.other_reviewer, "pass_review", "教务处：同意")
    assert phrases.my_phrases(app, world.reviewer)["pass_review"] == ["同意，已核对奖学金名单"]
    assert "同意，已核对奖学金名单" not in phrases.my_phrases(app, world.other_reviewer)["pass_review"]
    assert "教务处：同意" not in phrases.my_phrases(app, world.reviewer)["pass_review"]
    with pytest.raises(NotFound):   # removing works on one's own list only
        phrases.remove_phrase(app, world.other_reviewer, "pass_review", "同意，已核对奖学金名单")
    phrases.reset_phrases(app, world.other_reviewer, "pass_review")
    assert phrases.my_phrases(app, world.reviewer)["pass_review"] == ["同意，已核对奖学金名单"]


def test_set_replaces_only_the_lists_it_names_and_keeps_each_phrase_once(world: World) -> None:
    app = world.app
    phrases.set_my_phrases(app, world.reviewer, {"return": ["请补充法律依据"]})
    result = phrases.set_my_phrases(app, world.reviewer, {"pass_review": ["同意", " 同意 ", "同意公开"]})
    assert result["pass_review"] == ["同意", "同意公开"] and result["return"] == ["请补充法律依据"]


@pytest.mark.parametrize(("body", "code", "field"), [
    ([], "invalid_type", None),
    ({"submit": ["请审查"]}, "unknown_field", "submit"),
    ({"return": "请补充法律依据"}, "invalid_type", "return"),
    ({"return": [""]}, "missing_field", "return[0]"),
    ({"return": ["ok", "第一行\n第二行"]}, "invalid_value", "return[1]"),
    ({"return": ["\x07"]}, "invalid_value", "return[0]"),
    ({"return": ["长" * 201]}, "too_long", "return[0]"),
    ({"return": [7]}, "invalid_type", "return[0]"),
    ({"return": [f"意见{n}" for n in range(21)]}, "too_many", "return"),
])
def test_bad_lists_are_refused_and_change_nothing(world: World, body: object, code: str, field: str | None) -> None:
    app = world.app
    phrases.set_my_phrases(app, world.reviewer, {"pass_review": ["同意"]})
    with pytest.raises(ValidationFailed) as caught:
        phrases.set_my_phrases(app, world.reviewer, {"pass_review": ["改了"], **body} if isinstance(body, dict) else body)
    assert caught.value.code == code
    if field is not None:
        assert caught.value.params.get("field") == field
    assert phrases.my_phrases(app, world.reviewer)["pass_review"] == ["同意"]


def test_adding_refuses_a_repeat_a_full_list_and_an_unknown_decision(world: World) -> None:
    app = world.app
    with pytest.raises(ValidationFailed) as repeated:
        phrases.add_phrase(app, world.reviewer, "pass_review", "同意公开")
    assert repeated.value.code == "duplicate"
    phrases.set_my_phrases(app, world.reviewer, {"return": [f"意见{n}" for n in range(phrases.PHRASES_MAX)]})
    with pytest.raises(ValidationFailed) as full:
        phrases.add_phrase(app, world.reviewer, "return", "再一条")
    assert full.value.code == "too_many"
    with pytest.raises(NotFound):
        phrases.add_phrase(app, world.reviewer, "submit", "请审查")

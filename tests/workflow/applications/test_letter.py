"""The reply letter: a college's wording by default, each part set per instance, the tracking number
and the legal basis of the outcome shown; settings checked at load (issue 12 point 3)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from db.session import Database
from tests.conftest import World
from workflow.applications import letter, letter_settings, outcomes
from workflow.settings import Settings, SettingsError, load_settings
from workflow.wiring import build_gongkai

INSTANCE = {"reply_letter": {"title": "政府信息公开申请答复书", "self_reference": "本院",
                             "authority": "福建省教育厅",
                             "remedy": "如对本答复不服，可以向%(authority)s申诉，或者向%(institution)s信息公开办公室投诉。"}}


def _letter(settings: Settings, outcome: str = "withheld", reason: int | None = 4) -> str:
    return letter.render(letter.LetterData(
        institution=str(settings["institution.name"]), tracking_no="2025ABCDEFGHJKLM", applicant_name="张三",
        received_on=date(2025, 9, 26), request_text="请公开2024年学生资助资金使用情况", outcome=outcome,
        reason=reason, replied_on=date(2025, 10, 10), wording=letter_settings.wording(settings)))


def test_default_letter_is_a_colleges() -> None:
    text = _letter(load_settings())
    assert text.splitlines()[1] == "信息公开申请答复书"
    assert "政府信息公开申请答复书" not in text
    assert "本校于2025年9月26日收到" in text and "本机关" not in text
    assert "如对本答复不服，可以向学校主管教育行政部门提出申诉。" in text
    assert "行政诉讼" not in text and "行政复议" not in text


@pytest.mark.parametrize(("code", "reasons"), [(o.code, len(o.reasons)) for o in outcomes.OUTCOMES])
def test_no_outcome_names_a_government_remedy(code: str, reasons: int) -> None:
    settings = load_settings()
    for reason in range(1, reasons + 1) if reasons else [None]:
        text = _letter(settings, code, reason)
        assert "行政诉讼" not in text and "行政复议" not in text and "申诉" in text


def test_an_instance_sets_each_part() -> None:
    text = _letter(load_settings(overrides=INSTANCE), "partial", None)
    assert text.splitlines()[1] == "政府信息公开申请答复书"
    assert "本院于2025年9月26日收到" in text and "本院已作区分处理" in text and "本校" not in text
    assert "如对本答复不服，可以向福建省教育厅申诉，或者向漳州理工职业学院信息公开办公室投诉。" in text
    assert "学校主管教育行政部门" not in text


def test_a_reason_speaks_as_the_institution() -> None:
    text = _letter(load_settings(), "unavailable", 1)
    assert "理由：本校不掌握相关政府信息。" in text and "本机关" not in text
    assert "依据：《中华人民共和国政府信息公开条例》第三十六条第（四）项、第（五）项。" in text


def test_only_the_authority_changes() -> None:
    text = _letter(load_settings(overrides={"reply_letter": {"authority": "福建省教育厅"}}))
    assert "如对本答复不服，可以向福建省教育厅提出申诉。" in text


def test_tracking_number_and_legal_basis_appear() -> None:
    text = _letter(load_settings(), "withheld", 4)
    assert "（受理编号：2025ABCDEFGHJKLM）" in text
    assert "理由：保护第三方合法权益。" in text
    assert "依据：《中华人民共和国政府信息公开条例》第十五条。" in text
    disclosed = _letter(load_settings(), "disclosed", None)
    assert "依据：《中华人民共和国政府信息公开条例》第三十六条第（二）项。" in disclosed


def test_every_reason_has_its_place_for_a_basis() -> None:
    for outcome in outcomes.OUTCOMES:
        assert len(outcome.reason_bases) == len(outcome.reasons)
        assert bool(outcome.basis) != bool(outcome.reasons)  # the outcome's own basis only without reasons
    assert outcomes.legal_basis("withheld", 1) == "《中华人民共和国政府信息公开条例》第十四条"
    assert outcomes.legal_basis("other", 3) == ""  # 其他: no single article; the letter prints no basis line
    assert "依据：" not in _letter(load_settings(), "other", 3)


@pytest.mark.parametrize(("remedy", "message"), [
    ("向%(authoritty)s申诉。", "unknown placeholder %(authoritty)s"),
    ("向%s申诉。", "write placeholders as"),
    ("向%(authority)d申诉。", "write placeholders as"),
    ("收费100%。", "write placeholders as"),
])
def test_a_bad_remedy_template_is_refused_at_load(remedy: str, message: str, tmp_path: Path) -> None:
    settings = load_settings(overrides={"reply_letter": {"remedy": remedy}})
    with pytest.raises(SettingsError, match="reply_letter.remedy") as refused:
        build_gongkai(Database(f"sqlite:///{tmp_path / 'x.db'}"), settings)
    assert message in str(refused.value)


@pytest.mark.parametrize("key", ["title", "self_reference", "authority", "remedy"])
def test_an_empty_part_is_refused(key: str) -> None:
    bad: dict[str, Any] = {"reply_letter": {key: "  "}}
    with pytest.raises(SettingsError, match=f"reply_letter.{key}"):
        letter_settings.check(load_settings(overrides=bad))


def test_a_percent_sign_is_written_twice() -> None:
    settings = load_settings(overrides={"reply_letter": {"remedy": "100%%由%(authority)s处理。"}})
    assert letter_settings.wording(settings).remedy == "100%由学校主管教育行政部门处理。"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module's instance names its own wording (the conftest fixture, overridden)."""
    return settings.with_overrides(INSTANCE)


def test_the_drafted_reply_uses_the_instance_wording(world: World) -> None:
    from workflow.services import applications as svc
    application = svc.register_application(world.app, world.admin, {
        "applicant_kind": "natural", "name": "张三", "contact": "zhangsan@example.com",
        "request_text": "请公开2024年学生资助资金使用情况", "delivery_form": "email", "channel": "post",
        "received_at": "2025-09-26T09:00:00+08:00"})
    svc.assign(world.app, world.admin, application.id, "xsc")
    item = svc.prepare_reply(world.app, world.drafter, application.id, "withheld", 6)
    assert item.title == f"政府信息公开申请答复书（{application.tracking_no}）"
    assert "本院于" in item.body and "向福建省教育厅申诉" in item.body and "本校" not in item.body
    assert f"受理编号：{application.tracking_no}" in item.body
    assert "依据：《中华人民共和国政府信息公开条例》第十六条第二款。" in item.body

"""Full-text search (issue 14, docs/search.md): two-character Chinese words and longer phrases are found in
titles, bodies and attachment texts, only among the items the user may see, with the list's filters; the
index follows every change of content in the change's own transaction; bad input is a 422 in Chinese."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from db.models.search import ItemSearch
from tests.conftest import CLEAR, World, item_payload
from tests.workflow.scan.gen import docx_bytes
from workflow import scheduler
from workflow.errors import StaleVersion, ValidationFailed
from workflow.scan import worker
from workflow.services import attachments, item_scan, queries
from workflow.services import items as svc
from workflow.services.users import add_user

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def found(world: World, who: str, **filters: Any) -> list[int]:
    """Ids found by ``who`` (newest first), every page."""
    actor, ids, number = world.actor(who), [], 1
    while True:
        page = queries.list_items(world.app, actor, per_page=100, page=number, **filters)
        ids += [item.id for item in page.items]
        if number >= page.pages:
            return ids
        number += 1


def test_two_character_words_inside_longer_words_are_found(world: World) -> None:
    app = world.app
    scholarship = svc.create_item(app, world.drafter, item_payload(title="2025年国家奖学金评审结果"))
    admissions = svc.create_item(app, world.drafter, item_payload(title="关于做好本科招生工作的通知",
                                                                  body="招生章程见附件。"))
    assert found(world, "drafter", q="奖学") == [scholarship.id]
    assert found(world, "drafter", q="招生") == [admissions.id]
    assert found(world, "drafter", q="学金评审") == [scholarship.id]       # a phrase across two words
    assert found(world, "drafter", q="招生章程") == [admissions.id]        # in the body
    assert found(world, "drafter", q="评审 2025") == [scholarship.id]      # every term, anywhere
    assert found(world, "drafter", q="奖学 招生") == []                     # no item has both
    assert found(world, "drafter", q="助学") == []


def test_a_phrase_needs_its_characters_together_not_just_its_bigrams(world: World) -> None:
    app = world.app
    apart = svc.create_item(app, world.drafter, item_payload(title="奖学与学金", body="奖学，学金"))
    together = svc.create_item(app, world.drafter, item_payload(title="奖学金"))
    assert found(world, "drafter", q="奖学金") == [together.id]
    assert found(world, "drafter", q="学金") == [together.id, apart.id]
    # punctuation separates words: 「奖学，学金」 does not contain 「学学」
    assert found(world, "drafter", q="学学") == []


def test_full_width_and_case_are_folded(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(title="ＥＸＣＥＬ模板与PDF说明"))
    assert found(world, "drafter", q="excel") == [item.id]
    assert found(world, "drafter", q="ＰＤＦ") == [item.id]


def test_attachment_text_and_name_are_searchable(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="关于调整收费标准的通知", body="详见附件。"))
    other = svc.create_item(app, world.drafter, item_payload(title="另一份通知"))
    attachments.add_attachment(app, world.drafter, item.id, "价格表.docx", DOCX,
                               docx_bytes(["第一食堂早餐价格调整说明", "自十月起执行"]))
    attachments.add_attachment(app, world.drafter, other.id, "说明.txt", "text/plain", "宿舍热水供应时间".encode())
    assert found(world, "drafter", q="食堂早餐") == [item.id]
    assert found(world, "drafter", q="价格表") == [item.id]         # the file name too
    assert found(world, "drafter", q="热水") == [other.id]
    # removing the attachment removes its text from the search, in the same transaction
    (row,) = svc.get_item(app, world.drafter, item.id).attachments
    attachments.remove_attachment(app, world.drafter, item.id, row.id)
    assert found(world, "drafter", q="食堂早餐") == []
    assert found(world, "drafter", q="价格表") == []


def test_the_same_content_attached_again_is_searchable_at_once_without_a_new_scan(world: World) -> None:
    app = world.app
    data = "图书馆开放时间调整".encode()
    first = svc.create_item(app, world.drafter, item_payload(title="通知一"))
    attachments.add_attachment(app, world.drafter, first.id, "a.txt", "text/plain", data)
    second = svc.create_item(app, world.drafter, item_payload(title="通知二"))
    before = worker.scans_started
    attachments.add_attachment(app, world.drafter, second.id, "b.txt", "text/plain", data)
    assert worker.scans_started == before            # read from the stored text, not parsed again
    assert found(world, "drafter", q="开放时间") == [second.id, first.id]


def test_text_arrives_with_the_scan_when_upload_scanning_is_off(world: World) -> None:
    app = world.app
    from workflow.wiring import build_gongkai
    no_scan = build_gongkai(db=app.db, settings=app.settings.with_overrides({"scan_worker": {"scan_on_upload": False}}),
                            clock=app.clock)
    item = svc.create_item(no_scan, world.drafter, item_payload(title="附件待读"))
    attachments.add_attachment(no_scan, world.drafter, item.id, "名单.txt", "text/plain", "三好学生标兵".encode())
    assert found(world, "drafter", q="标兵") == []               # not read yet …
    assert found(world, "drafter", q="名单") == [item.id]        # … but its name is
    with app.db.read() as session:
        assert session.get(ItemSearch, item.id).pending == 1
    assert scheduler.scan_attachments(no_scan) >= 1              # the scheduler's scan job reads it
    assert found(world, "drafter", q="标兵") == [item.id]
    with app.db.read() as session:
        assert session.get(ItemSearch, item.id).pending == 0
    assert scheduler.scan_attachments(no_scan) == 0              # nothing left to do


def test_edit_masking_and_revise_keep_the_index_in_step(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="旧标题内容", body="联系电话13812345678"))
    assert found(world, "drafter", q="旧标题") == [item.id]
    svc.update_item(app, world.drafter, item.id, {"title": "新标题内容"})
    assert found(world, "drafter", q="旧标题") == []
    assert found(world, "drafter", q="新标题") == [item.id]
    assert found(world, "drafter", q="13812345678") == [item.id]
    item_scan.apply_masking(app, world.drafter, item.id)
    assert found(world, "drafter", q="13812345678") == []        # the masked number is gone from the search
    assert found(world, "drafter", q="5678") == [item.id]
    svc.submit(app, world.drafter, item.id)
    svc.pass_review(app, world.reviewer, item.id, checklist=CLEAR)
    svc.approve(app, world.approver, item.id)
    revision = svc.revise(app, world.drafter, item.id)
    assert found(world, "drafter", q="新标题") == [revision.id, item.id]


def test_a_refused_change_leaves_the_index_as_it_was(world: World) -> None:
    app = world.app
    item = svc.create_item(app, world.drafter, item_payload(title="原来的标题"))
    with pytest.raises(StaleVersion):
        svc.update_item(app, world.drafter, item.id, {"title": "改过的标题"}, expected_version=item.version + 5)
    with pytest.raises(ValidationFailed):
        svc.update_item(app, world.drafter, item.id, {"title": "改过的标题", "formed_on": "2999-01-01"})
    assert found(world, "drafter", q="改过") == []
    assert found(world, "drafter", q="原来") == [item.id]


def test_search_never_returns_an_item_outside_the_list_scope(world: World) -> None:
    app = world.app
    ours = svc.create_item(app, world.drafter, item_payload(title="奖学金公示"))
    theirs = svc.create_item(app, world.other_drafter, item_payload(title="奖学金名单", department="jwc"))
    svc.submit(app, world.other_drafter, theirs.id)
    svc.pass_review(app, world.other_reviewer, theirs.id, checklist=CLEAR)
    add_user(app, "other_approver", roles=["approver"], departments=["jwc"], password="password-123")
    svc.approve(app, world.actor("other_approver"), theirs.id)
    assert svc.get_item(app, world.drafter, theirs.id).state == "published"   # public, yet not in our list
    assert found(world, "drafter", q="奖学") == [ours.id]       # as the list: the own departments only
    assert found(world, "other_drafter", q="奖学") == [theirs.id]
    assert found(world, "admin", q="奖学") == [theirs.id, ours.id]
    assert found(world, "drafter", q="奖学", department="jwc") == []


def test_filters_state_department_category_and_dates(world: World) -> None:
    app = world.app
    september = svc.create_item(app, world.drafter, item_payload(title="招生计划一", formed_on="2025-09-01"))
    august = svc.create_item(app, world.drafter, item_payload(title="招生计划二", formed_on="2025-08-15",
                                                              catalog_code="21"))
    svc.submit(app, world.drafter, august.id)
    other = svc.create_item(app, world.other_drafter, item_payload(title="招生计划三", department="jwc"))
    assert found(world, "admin", q="招生") == [other.id, august.id, september.id]
    assert found(world, "admin", q="招生", state="secrecy_review") == [august.id]
    assert found(world, "admin", q="招生", department="jwc") == [other.id]
    category = _category_of(world, "21")
    assert found(world, "admin", q="招生", category=category) == [august.id]
    assert found(world, "admin", q="招生", date_from="2025-09-01") == [other.id, september.id]
    assert found(world, "admin", q="招生", date_to="2025-08-31") == [august.id]
    assert found(world, "admin", q="招生", date_from="2025-08-15", date_to="2025-08-15") == [august.id]
    # the filters work without a search too (newest first on request)
    assert found(world, "admin", date_to="2025-08-31") == [august.id]


def _category_of(world: World, code: str) -> str:
    from db.models import CatalogEntry
    with world.app.db.read() as session:
        return session.scalar(select(CatalogEntry.category_code).where(CatalogEntry.code == code))


@pytest.mark.parametrize("filters,message", [
    ({"q": "奖" * 101}, "搜索词太长"),
    ({"q": "奖学\t金"}, "控制字符"),
    ({"q": "奖学\u200b金"}, "不可见字符"),
    ({"q": "\x85奖学"}, "控制字符"),
    ({"q": "奖"}, "只有一个字"),
    ({"q": "奖学 a"}, "「a」只有一个字"),
    ({"q": "！？。"}, "须包含汉字、字母或数字"),
    ({"q": " ".join(f"词{i}" for i in range(11))}, "搜索词太多"),
    ({"date_from": "2025-13-01"}, "起始日期「2025-13-01」不是有效日期"),
    ({"date_to": "20250901"}, "截止日期「20250901」不是有效日期"),
    ({"date_from": "yesterday"}, "不是有效日期"),
    ({"date_from": "2025-09-02", "date_to": "2025-09-01"}, "起始日期不能晚于截止日期"),
    ({"category": "nope"}, "未知的清单类别：nope"),
])
def test_bad_input_is_a_clear_422(world: World, filters: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        queries.list_items(world.app, world.drafter, **filters)
    assert refused.value.status == 422 and message in refused.value.message


def test_blank_query_is_no_search(world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    assert found(world, "drafter", q="   ") == [item.id]


# -- property: every item containing the phrase is found, none outside the scope ----------------------------

ALPHABET = "奖学金招生考试公示名单"      # few characters: generated texts share phrases often
SEPARATORS = "，。 、"


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALPHABET + SEPARATORS, max_size=max_size)


ITEM = st.fixed_dictionaries({
    "title": st.text(alphabet=ALPHABET, min_size=1, max_size=12),
    "body": _text(40),
    "department": st.sampled_from(["xsc", "jwc"]),
    "attachment": st.one_of(st.none(), st.none(), _text(30)),
})


@pytest.mark.slow
def test_every_item_containing_a_phrase_is_found_and_no_other(world: World) -> None:
    app = world.app
    drafters = {"xsc": world.drafter, "jwc": world.other_drafter}
    texts: dict[int, tuple[str, str]] = {}    # item id → (department, every text it carries)

    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(new_items=st.lists(ITEM, min_size=1, max_size=3), phrase=st.text(alphabet=ALPHABET, min_size=2, max_size=6),
           pick=st.integers(min_value=0, max_value=10_000))
    def check(new_items: list[dict[str, Any]], phrase: str, pick: int) -> None:
        for spec in new_items:
            item = svc.create_item(app, drafters[spec["department"]], item_payload(
                title=spec["title"], body=spec["body"], department=spec["department"]))
            carried = [spec["title"], spec["body"]]
            if spec["attachment"] is not None:
                attachments.add_attachment(app, drafters[spec["department"]], item.id, "附件.txt", "text/plain",
                                           (spec["attachment"] or "空").encode())
                carried.append(spec["attachment"] or "空")
            texts[item.id] = (spec["department"], "\n".join(carried))
        # half of the phrases are cut from a generated text, so that they are found somewhere
        source = texts[sorted(texts)[pick % len(texts)]][1].replace("\n", "")
        start = pick % max(1, len(source) - 1)
        cut = source[start:start + 2 + pick % 5]
        for query in {phrase, cut} if all(ch in ALPHABET for ch in cut) and len(cut) >= 2 else {phrase}:
            for who, departments in (("drafter", {"xsc"}), ("other_drafter", {"jwc"}), ("admin", {"xsc", "jwc"})):
                expected = sorted((item_id for item_id, (dept, text) in texts.items()
                                   if dept in departments and query in text), reverse=True)
                assert found(world, who, q=query) == expected, (who, query)

    check()


# -- a frequent word: the count stops at the cap, the page is the same whichever way it was found -------------

def _many(world: World, count: int) -> tuple[list[int], list[int]]:
    """``count`` items of xsc and ``count`` of jwc, all saying 招生; their ids, newest first."""
    ours = [svc.create_item(world.app, world.drafter, item_payload(title=f"招生简章 第{n}号")).id for n in range(count)]
    theirs = [svc.create_item(world.app, world.other_drafter, item_payload(title=f"招生宣传 第{n}号", department="jwc")).id
              for n in range(count)]
    return sorted(ours, reverse=True), sorted(theirs, reverse=True)


@pytest.mark.parametrize("probe", [3, 100], ids=["walk", "probe"])
def test_a_frequent_word_is_counted_up_to_the_cap_and_paged_newest_first(world: World, monkeypatch, probe: int) -> None:
    # cap 5 and, on PostgreSQL, a probe of 3 (more matches: the page walks the items newest first) or 100
    # (all matches are probed: the page is sorted from them); SQLite ignores the probe
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 5)
    monkeypatch.setattr(queries, "SEARCH_PROBE", probe)
    ours, theirs = _many(world, 7)
    everything = sorted(ours + theirs, reverse=True)

    def page(who: str, number: int, **filters: Any) -> queries.Page:
        return queries.list_items(world.app, world.actor(who), q="招生", per_page=2, page=number, **filters)

    first = page("drafter", 1)
    assert [i.id for i in first.items] == ours[:2]
    assert (first.total, first.capped, first.pages) == (5, True, 3)       # 「5+」: a third page exists
    assert found(world, "drafter", q="招生") == ours                      # paging on reaches every match
    deep = page("drafter", 4)                                           # beyond the cap: counted to its end
    assert [i.id for i in deep.items] == ours[6:8]
    assert (deep.total, deep.capped, deep.pages) == (7, False, 4)
    assert [i.id for i in page("admin", 3).items] == everything[4:6]
    assert page("admin", 1).capped and page("admin", 1).total == 5
    assert found(world, "admin", q="招生") == everything
    assert found(world, "admin", q="招生", department="jwc") == theirs
    assert found(world, "drafter", q="招生", department="jwc") == []       # outside the scope, whatever the path
    assert page("drafter", 9).items == []                                # past the end: an empty page
    few = queries.list_items(world.app, world.admin, q="简章 第1号", per_page=2)   # few matches: exact count
    assert ([i.id for i in few.items], few.total, few.capped) == ([ours[-2]], 1, False)


def test_filters_on_the_item_row_apply_before_the_count(world: World, monkeypatch) -> None:
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr(queries, "SEARCH_PROBE", 3)
    ours, _theirs = _many(world, 4)
    for item_id in ours[1:3]:
        svc.submit(world.app, world.drafter, item_id)
    result = queries.list_items(world.app, world.admin, q="招生", state="secrecy_review")
    assert ([i.id for i in result.items], result.total, result.capped) == (ours[1:3], 2, False)
    assert found(world, "drafter", q="招生", state="draft") == [ours[0], ours[3]]

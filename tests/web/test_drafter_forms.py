"""The drafter's forms (issue 15, 「The drafter」): the 清单 picker, attachments on the create form, the
warning before submitting open blocking findings, masking of 名单/公示 and the 公示截止 date, and the
public name of a masked attachment."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from db.models import Attachment, Item
from tests.conftest import CLEAR, World, item_payload
from tests.workflow.scan.gen import resident_id
from workflow.services import attachments as attachment_svc
from workflow.services import items as svc

ID_NUMBER = resident_id()
FORM = {"title": "2025年奖学金评审办法", "department": "xsc", "body": "评审办法如下。", "channels": ["website"],
        "formed_on": "2025-09-26"}


def _count(world: World, model) -> int:
    with world.app.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_picker_chooses_no_entry_and_describes_each(as_user) -> None:
    page = as_user("drafter").get("/items/new").get_data(as_text=True)
    picker = page[page.index('<select class="form-select" id="catalog_code"'):]
    picker = picker[:picker.index("</select>")]
    assert re.search(r'<option value="" selected>请选择清单事项</option>', picker)
    assert picker.count(" selected>") == 1                                 # nothing else is pre-selected
    assert picker.count("<optgroup") >= 5                                  # grouped by 清单 category
    assert 'data-description="责任部门：' in picker and "公开时间：" in picker
    assert 'id="catalog-filter"' in page and "catalog_picker.js" in page


def test_the_entry_must_be_chosen(as_user, world: World) -> None:
    before = _count(world, Item)
    refused = as_user("drafter").post("/items/new", data={**FORM, "catalog_code": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "清单事项" in page and 'value="2025年奖学金评审办法"' in page
    assert _count(world, Item) == before


def test_attachments_can_be_added_on_the_create_form(as_user, world: World) -> None:
    drafter = as_user("drafter")
    response = drafter.post("/items/new", content_type="multipart/form-data", data={
        **FORM, "catalog_code": "1",
        "attachments": [(io.BytesIO(b"first"), "a.txt"), (io.BytesIO(b"second"), "b.csv")]})
    assert response.status_code == 302
    item_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert "a.txt" in page and "b.csv" in page and "已上传 2 个附件" in page


def test_one_refused_file_saves_nothing(as_user, world: World) -> None:
    items_before, files_before = _count(world, Item), _count(world, Attachment)
    response = as_user("drafter").post("/items/new", content_type="multipart/form-data", data={
        **FORM, "catalog_code": "1",
        "attachments": [(io.BytesIO(b"fine"), "a.txt"), (io.BytesIO(b"MZ"), "setup.exe")]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "不支持的附件类型：exe" in page and 'value="2025年奖学金评审办法"' in page   # what was typed is kept
    assert (_count(world, Item), _count(world, Attachment)) == (items_before, files_before)


def test_submitting_open_blocking_findings_asks_first(as_user, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(body=f"王五 身份证号 {ID_NUMBER}"))
    drafter = as_user("drafter")
    warned = drafter.post(f"/items/{item.id}/do/submit", data={"version": item.version})
    page = warned.get_data(as_text=True)
    assert warned.status_code == 200 and 'id="submit-findings"' in page and "阻断" in page
    assert ID_NUMBER not in page                                            # the excerpt is masked
    assert svc.get_item(world.app, world.drafter, item.id).state == "draft"  # nothing happened yet
    confirmed = drafter.post(f"/items/{item.id}/do/submit", data={"version": item.version, "confirmed": "1"})
    assert confirmed.status_code == 302
    assert svc.get_item(world.app, world.drafter, item.id).state == "secrecy_review"


def test_a_clean_draft_is_submitted_at_once(as_user, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    assert as_user("drafter").post(f"/items/{item.id}/do/submit").status_code == 302
    assert svc.get_item(world.app, world.drafter, item.id).state == "secrecy_review"


def test_a_list_is_masked_by_removing_personal_information(as_user, world: World) -> None:
    body = f"张三，计算机学院2021级1班，身份证号：{ID_NUMBER}，手机：13800138000\n李四，数学2101班"
    item = svc.create_item(world.app, world.drafter, item_payload(body=body, is_list=True,
                                                                 display_until="2025-10-10T17:00:00+08:00"))
    drafter = as_user("drafter")
    page = drafter.get(f"/items/{item.id}").get_data(as_text=True)
    preview = page.split('id="masked-preview">')[1].split("</pre>")[0]
    assert "教财厅函〔2017〕28号" in page
    assert preview == "张三，计算机学院2021级1班\n李四，数学2101班"
    assert drafter.post(f"/items/{item.id}/mask", data={"version": item.version}).status_code == 302
    assert svc.get_item(world.app, world.drafter, item.id).body == "张三，计算机学院2021级1班\n李四，数学2101班"


def test_a_list_needs_its_notice_period_end_to_be_submitted(api, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload(is_list=True))
    refused = api("drafter").post(f"/api/v1/items/{item.id}/transitions", json={"trigger": "submit"})
    assert refused.status_code == 422
    assert refused.get_json()["details"]["missing"] == ["display_until"]
    assert "公示截止时间" in refused.get_json()["message"]
    svc.update_item(world.app, world.drafter, item.id, {"display_until": "2025-10-20T17:00:00+08:00"})
    assert api("drafter").post(f"/api/v1/items/{item.id}/transitions", json={"trigger": "submit"}).status_code == 200


def test_the_public_reads_the_document_name_not_the_masking_mark(as_user, client, world: World) -> None:
    item = svc.create_item(world.app, world.drafter, item_payload())
    attachment_svc.add_attachment(world.app, world.drafter, item.id, "奖学金名单-脱敏.txt", "text/plain", b"list")
    svc.submit(world.app, world.drafter, item.id)
    svc.pass_review(world.app, world.reviewer, item.id, CLEAR)
    svc.approve(world.app, world.approver, item.id)
    public = client.get(f"/public/items/{item.id}").get_data(as_text=True)
    assert "奖学金名单.txt" in public and "脱敏" not in public
    attachment_id = svc.get_item(world.app, world.drafter, item.id).attachments[0].id
    download = client.get(f"/public/items/{item.id}/attachments/{attachment_id}")
    assert "%E5%90%8D%E5%8D%95.txt" in download.headers["Content-Disposition"]   # …名单.txt
    assert "脱敏" not in client.get(f"/api/v1/public/items/{item.id}").get_data(as_text=True)
    assert "奖学金名单-脱敏.txt" in as_user("drafter").get(f"/items/{item.id}").get_data(as_text=True)

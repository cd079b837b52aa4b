"""The 审查审批表 over HTTP (issue 14): the print view, ``GET /api/v1/items/{id}/record.pdf``, the verify page
its QR code opens, the archive export page and ``GET /api/v1/records.zip`` — for whom, and what they say."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from urllib.parse import urlsplit

import pytest

from tests.conftest import World, item_payload
from tests.records_helpers import DISPLAY, LEGAL_BASIS, TITLE, pdf_qr_links, pdf_text, published, squeeze, tamper
from workflow.checklist import QUESTIONS
from workflow.services import items as svc

OUTSIDERS = ("other_reviewer", "other_drafter")


def _verify_path(html: str) -> str:
    """The verify link printed under the QR code, as a path on this server."""
    link = re.search(r'id="record-verify-url">([^<]+)<', html).group(1).replace("&amp;", "&")
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_the_print_view_for_the_department(as_user, world: World) -> None:
    item_id = published(world)
    page = as_user("drafter").get(f"/items/{item_id}/record")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "信息公开保密审查审批表" in html and TITLE in html and LEGAL_BASIS in html
    for question in QUESTIONS:
        assert question.label in html
    for username in ("drafter", "reviewer", "approver"):
        assert DISPLAY[username] in html
    # the buttons work without inline script (the CSP allows this origin's scripts only) and are not printed
    assert 'id="print-record"' in html and "/static/js/record-print.js" in html and ".no-print" in html
    assert f'href="/api/v1/items/{item_id}/record.pdf"' in html
    assert as_user("drafter").get("/static/js/record-print.js").status_code == 200


def test_the_item_page_links_the_record_for_those_who_see_its_internals(as_user, world: World) -> None:
    item_id = published(world)
    inside = as_user("reviewer").get(f"/items/{item_id}").get_data(as_text=True)
    assert f'href="/items/{item_id}/record"' in inside and f'href="/api/v1/items/{item_id}/record.pdf"' in inside
    outside = as_user("other_reviewer").get(f"/items/{item_id}").get_data(as_text=True)
    assert "/record" not in outside
    draft = svc.create_item(world.app, world.drafter, item_payload(title="未提交的草稿"))
    assert "/record" not in as_user("drafter").get(f"/items/{draft.id}").get_data(as_text=True)


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_for_the_record_the_pdf_and_the_verify_page(as_user, api, world: World, outsider) -> None:
    item_id = published(world)
    digest = re.search(r'id="record-digest">([0-9a-f]{64})<',
                       as_user("reviewer").get(f"/items/{item_id}/record").get_data(as_text=True)).group(1)
    client = as_user(outsider)
    assert client.get(f"/items/{item_id}/record").status_code == 404
    assert client.get(f"/items/{item_id}/record/verify?h={digest}").status_code == 404
    assert client.get(f"/api/v1/items/{item_id}/record.pdf").status_code == 404
    assert api(outsider).get(f"/api/v1/items/{item_id}/record.pdf").status_code == 404
    # an item that does not exist answers the same
    assert client.get("/items/999999/record").status_code == 404


def test_login_first(as_user, api, world: World) -> None:
    item_id = published(world)
    anonymous = as_user(None)
    for path in (f"/items/{item_id}/record", f"/items/{item_id}/record/verify?h={'0' * 64}"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert api(None).get(f"/api/v1/items/{item_id}/record.pdf").status_code == 401


def test_the_pdf_over_the_api(api, world: World) -> None:
    item_id = published(world)
    response = api("approver").get(f"/api/v1/items/{item_id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"GK-{item_id}-1" in disposition
    text = pdf_text(response.data)
    assert squeeze(TITLE) in text and squeeze(LEGAL_BASIS) in text and DISPLAY["reviewer"] in text
    (link,) = pdf_qr_links(response.data)
    assert f"/items/{item_id}/record/verify?h=" in link
    draft = api("drafter").post("/api/v1/items", json=item_payload()).get_json()
    refused = api("drafter").get(f"/api/v1/items/{draft['id']}/record.pdf")
    assert refused.status_code == 409 and refused.get_json()["error"] == "record_not_available"


def test_the_verify_page_says_consistent_then_inconsistent_after_tampering(as_user, world: World) -> None:
    item_id = published(world)
    reviewer = as_user("reviewer")
    path = _verify_path(reviewer.get(f"/items/{item_id}/record").get_data(as_text=True))
    page = reviewer.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-result="consistent"' in html and "一致" in html and "不一致之处" not in html
    tamper(world, item_id, "pass_review", legal_basis="无")
    html = reviewer.get(path).get_data(as_text=True)
    assert 'data-result="inconsistent"' in html and "不一致之处" in html
    row = re.search(r'<tr><td>第 2 项：审查通过[^<]*</td><td>公开的法律依据</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>',
                    html)
    assert row is not None and row.groups() == ("无", LEGAL_BASIS)


def test_a_malformed_digest_is_a_clear_422(as_user, world: World) -> None:
    item_id = published(world)
    response = as_user("reviewer").get(f"/items/{item_id}/record/verify?h=not-a-digest")
    assert response.status_code == 422 and "64 位十六进制" in response.get_data(as_text=True)


def test_the_record_in_english(as_user, world: World) -> None:
    item_id = published(world)
    html = as_user("reviewer").get(f"/items/{item_id}/record?lang=en").get_data(as_text=True)
    assert "Disclosure secrecy review and approval record" in html and "Not asked" in html
    path = _verify_path(html)
    assert "Consistent" in as_user("reviewer").get(path + "&lang=en").get_data(as_text=True)


def test_the_archive_export_page_and_zip(as_user, api, world: World) -> None:
    published(world)
    page = as_user("admin").get("/admin/records?from=2025-09-01&to=2025-09-30")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "期间发布的事项：1 个" in html
    link = re.search(r'id="export-download" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == "/api/v1/records.zip?from=2025-09-01&to=2025-09-30"
    response = as_user("admin").get(link)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        index = list(csv.reader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig"))))
        assert len(index) == 2 and index[1][3] == TITLE and bundle.read(index[1][2]).startswith(b"%PDF")
    assert as_user("reviewer").get("/admin/records").status_code == 403
    assert api("reviewer").get("/api/v1/records.zip?from=2025-09-01&to=2025-09-30").status_code == 403
    bad = api("admin").get("/api/v1/records.zip?from=2025-09-30&to=2025-09-01")
    assert bad.status_code == 422 and bad.get_json()["field"] == "from"
    assert api("admin").get("/api/v1/records.zip?to=2025-09-01").status_code == 422
    refused = as_user("admin").get("/admin/records?from=2025-02-30&to=2025-09-01")
    assert refused.status_code == 422 and "不是有效日期" in refused.get_data(as_text=True)

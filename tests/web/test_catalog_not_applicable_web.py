"""「不适用」 per 清单 entry over HTTP (API and the catalogue admin page), the coverage screen, and the report
editor's 「其他需要报告的事项」 — on both databases."""
from __future__ import annotations

from tests.conftest import item_payload

REASON = "本校为高职院校，无学位授予"


def test_api_marks_and_clears(api, world) -> None:
    admin = api("admin")
    marked = admin.patch("/api/v1/catalog/44", json={"not_applicable": True, "reason": REASON})
    assert marked.status_code == 200, marked.json
    assert marked.json["not_applicable"] is True and marked.json["not_applicable_reason"] == REASON
    tree = admin.get("/api/v1/catalog").json
    [entry] = [e for c in tree["categories"] for e in c["items"] if e["code"] == "44"]
    assert entry["not_applicable"] and entry["not_applicable_reason"] == REASON
    refused = api("drafter").post("/api/v1/items", json=item_payload(catalog_code="44"))
    assert refused.status_code == 422 and refused.json["error"] == "catalog_not_applicable"
    assert refused.json["field"] == "catalog_code" and "不适用" in refused.json["message"]
    english = api("drafter").post("/api/v1/items", json=item_payload(catalog_code="44"),
                                  headers={"Accept-Language": "en"})
    assert "not applicable" in english.json["message"]
    coverage = admin.get("/api/v1/catalog/coverage?year=2025-2026").json
    assert coverage["not_applicable"] == ["44"] and "44" not in coverage["missing"]
    cleared = admin.patch("/api/v1/catalog/44", json={"not_applicable": False})
    assert cleared.status_code == 200 and cleared.json["not_applicable"] is False


def test_api_refusals(api, world) -> None:
    admin = api("admin")
    assert admin.patch("/api/v1/catalog/44", json={"not_applicable": True}).status_code == 422
    assert admin.patch("/api/v1/catalog/44", json={"not_applicable": True, "reason": ""}).status_code == 422
    assert admin.patch("/api/v1/catalog/nope", json={"not_applicable": True, "reason": REASON}).status_code == 404
    assert api("drafter").patch("/api/v1/catalog/44", json={"not_applicable": True,
                                                            "reason": REASON}).status_code == 403
    assert api(None).patch("/api/v1/catalog/44", json={"not_applicable": False}).status_code == 401
    paths = api(None).get("/api/v1/openapi.json").json["paths"]
    assert "patch" in paths["/api/v1/catalog/{code}"]


def test_catalogue_page_form_and_coverage_screen(as_user, world) -> None:
    admin = as_user("admin")
    page = admin.get("/admin/catalog").get_data(as_text=True)
    assert "标记为不适用" in page and 'name="reason"' in page
    missing_reason = admin.post("/admin/catalog/45/applicability", data={"not_applicable": "1", "reason": ""})
    assert missing_reason.status_code == 302
    assert "不适用" not in admin.get("/admin/catalog").get_data(as_text=True).split('data-code="45"')[1][:400]
    done = admin.post("/admin/catalog/45/applicability", data={"not_applicable": "1", "reason": REASON})
    assert done.status_code == 302
    row = admin.get("/admin/catalog").get_data(as_text=True).split('data-code="45"')[1][:900]
    assert "not-applicable" in row and REASON in row and "恢复为适用" in row
    coverage = admin.get("/admin/reports/coverage?year=2025-2026").get_data(as_text=True)
    row = coverage.split('data-code="45"')[1][:600]
    assert "不适用" in row and REASON in row
    missing = coverage.split("本学年无公开记录的事项")[1].split("</div>")[0]
    assert "45 " not in missing
    english = admin.get("/admin/reports/coverage?year=2025-2026&lang=en").get_data(as_text=True)
    assert "Not applicable" in english.split('data-code="45"')[1][:600]
    form = as_user("drafter").get("/items/new").get_data(as_text=True)
    assert 'value="45"' not in form and 'value="44"' in form  # not offered for new items
    assert as_user("drafter").post("/admin/catalog/46/applicability",
                                   data={"not_applicable": "1", "reason": REASON}).status_code == 403
    back = admin.post("/admin/catalog/45/applicability", data={"not_applicable": ""})
    assert back.status_code == 302
    assert 'value="45"' in as_user("drafter").get("/items/new").get_data(as_text=True)


def test_report_editor_has_other_matters(as_user, world) -> None:
    admin = as_user("admin")
    page = admin.get("/admin/reports/?year=2024-2025").get_data(as_text=True)
    assert "section_other_matters" in page and "七、其他需要报告的事项" in page
    saved = admin.post("/admin/reports/narratives?year=2024-2025",
                       data={"year": "2024-2025", "section_other_matters": "本学年办理人大代表建议1件。"})
    assert saved.status_code == 302
    view = admin.get("/admin/reports/view?year=2024-2025").get_data(as_text=True)
    assert "<h2>七、其他需要报告的事项</h2>" in view and "本学年办理人大代表建议1件。" in view

"""Yearly report over HTTP: API and admin pages, admin only, narrative edits — on both databases."""
from __future__ import annotations

import io
from datetime import datetime

from tests.conftest import published_item
from workflow.clock import SHANGHAI


def _published(world) -> int:
    world.app.clock.set(datetime(2023, 4, 10, 9, tzinfo=SHANGHAI))
    return published_item(world, formed_on="2023-04-07", catalog_code="20")


def test_annual_report_api_admin_only(api, world) -> None:
    item_id = _published(world)
    response = api("admin").get("/api/v1/reports/annual?year=2022-2023&format=json")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["period"] == {"start": "2022-09-01", "end": "2023-08-31"}
    assert body["active"]["total"] == 1 and body["active"]["network"] == 1
    assert api("drafter").get("/api/v1/reports/annual?year=2022-2023").status_code == 403
    assert api(None).get("/api/v1/reports/annual?year=2022-2023").status_code == 401
    assert api("admin").get("/api/v1/reports/annual?year=2022").status_code == 422  # not a college year
    assert api("admin").get("/api/v1/reports/annual?year=2022-2023&format=pdf").status_code == 422
    docx = api("admin").get("/api/v1/reports/annual?year=2022-2023&format=docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"

    coverage = api("admin").get("/api/v1/catalog/coverage?year=2022-2023")
    assert coverage.status_code == 200
    row = next(r for r in coverage.json["entries"] if r["code"] == "20")
    assert row["published"] == 1 and row["covered"] and row["links"][0].endswith(f"/public/items/{item_id}")
    assert row["by_month"]["2023-04"] == 1 and "20" not in coverage.json["missing"]
    assert api("reviewer").get("/api/v1/catalog/coverage?year=2022-2023").status_code == 403
    paths = api(None).get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/reports/annual", "/api/v1/catalog/coverage"} <= set(paths)


def test_narrative_edit_over_api_persists_and_escape_is_422(api, world) -> None:
    _published(world)
    saved = api("admin").client.put("/api/v1/reports/narratives?year=2022-2023",
                                    json={"sections": {"evaluation": "本学年共公开{{ active.total }}条，评议良好。"}},
                                    headers=api("admin").headers)
    assert saved.status_code == 200 and saved.json["evaluation"]["source"] == "year"
    report = api("admin").get("/api/v1/reports/annual?year=2022-2023").json
    assert report["narrative"]["evaluation"] == "本学年共公开1条，评议良好。"
    for template in ("{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}", "{% for %}",
                     "{{ 'x' * 100000000 }}"):
        refused = api("admin").client.put("/api/v1/reports/narratives?year=2022-2023",
                                          json={"sections": {"overview": template}}, headers=api("admin").headers)
        assert refused.status_code in (400, 422), (template, refused.status_code)
        assert refused.json["message"]
    forbidden = api("drafter").client.put("/api/v1/reports/narratives?year=2022-2023",
                                          json={"sections": {"overview": "x"}}, headers=api("drafter").headers)
    assert forbidden.status_code == 403


def test_report_pages_for_admin_only_and_narrative_form(as_user, world) -> None:
    _published(world)
    admin = as_user("admin")
    page = admin.get("/admin/reports/?year=2022-2023")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "section_overview" in html and "/admin/reports/download" in html
    assert as_user("drafter").get("/admin/reports/?year=2022-2023").status_code == 403
    assert as_user("drafter").get("/admin/reports/coverage?year=2022-2023").status_code == 403

    saved = admin.post("/admin/reports/narratives?year=2022-2023",
                       data={"year": "2022-2023", "section_evaluation": "评议：公开{{ active.total }}条，满意。"})
    assert saved.status_code == 302
    view = admin.get("/admin/reports/view?year=2022-2023").get_data(as_text=True)
    assert "评议：公开1条，满意。" in view
    bad = admin.post("/admin/reports/narratives?year=2022-2023",
                     data={"year": "2022-2023", "section_overview": "{{ ''.__class__ }}"})
    assert bad.status_code == 422 and "is-invalid" in bad.get_data(as_text=True)

    from docx import Document
    download = admin.get("/admin/reports/download?year=2022-2023&format=docx")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert any("评议：公开1条，满意。" in p.text for p in Document(io.BytesIO(download.data)).paragraphs)

    matrix = admin.get("/admin/reports/coverage?year=2022-2023")
    assert matrix.status_code == 200
    text = matrix.get_data(as_text=True)
    assert 'data-code="20"' in text and "本学年无公开记录的事项" in text


def test_publishing_puts_the_report_in_the_public_directory(api, world, flask_app) -> None:
    from workflow.services.reports import publish_report
    public = flask_app.test_client()
    assert public.get("/public/reports/2024-2025").status_code == 404
    assert "尚未发布年度报告" in public.get("/public/reports").get_data(as_text=True)
    row = publish_report(world.app, world.admin, "2024-2025")
    listing = public.get("/public/reports").get_data(as_text=True)
    assert row.title in listing
    page = public.get("/public/reports/2024-2025")
    assert page.status_code == 200 and "一、" in page.get_data(as_text=True)
    assert "script-src" not in page.headers["Content-Security-Policy"]
    docx = public.get("/public/reports/2024-2025.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    assert publish_report(world.app, world.admin, "2024-2025").version == 2
    import pytest as _pytest
    from workflow.errors import Forbidden
    with _pytest.raises(Forbidden):
        publish_report(world.app, world.drafter, "2024-2025")

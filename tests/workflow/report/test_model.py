"""The report data object: JSON shape of docs/report.md §3, round trip, validation."""
from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from workflow.errors import BadInput
from workflow.report import Period, ReportData, render
from tests.workflow.report.sample import reference_report


def test_json_has_the_contract_keys(reference_data):
    body = json.loads(render(reference_data, "json"))
    for key in ("period", "active", "applications", "fees", "complaints", "catalog_coverage"):
        assert key in body
    assert body["period"] == {"start": "2022-09-01", "end": "2023-08-31"}
    for key in ("total", "network", "by_channel", "by_category", "by_department"):
        assert key in body["active"]
    assert body["active"]["total"] == 732 and body["active"]["network"] == 451
    assert {"received", "replied", "carried_over", "by_outcome"} <= set(body["applications"])
    assert len(body["catalog_coverage"]) == 50
    assert set(body["catalog_coverage"][0]) >= {"code", "title", "category", "department", "published",
                                                "links", "covered"}


def test_json_export_carries_the_rendered_narrative(reference_data):
    body = json.loads(render(reference_data, "json"))
    assert "全校新增的主动公开信息共732条，其中通过网络方式公开的信息数达451条" in body["narrative"]["active"]
    assert "{{" not in "".join(body["narrative"].values())


def test_round_trip_is_exact(reference_data):
    first = reference_data.to_json_dict()
    again = ReportData.from_dict(json.loads(json.dumps(first))).to_json_dict()
    assert again == first
    assert list(again) == list(first)  # stable key order


def test_channels_and_categories_keep_report_order(reference_data):
    body = reference_data.to_json_dict()
    assert list(body["active"]["by_channel"]) == ["website", "wechat", "bulletin_board", "led_screen", "meeting"]
    assert list(body["active"]["by_category"])[:3] == ["jbxx", "zsks", "cwzc"]  # 清单 order
    assert list(body["active"]["by_month"])[0] == "2022-09"


def test_render_accepts_the_json_dict(reference_data):
    body = reference_data.to_json_dict()
    assert json.loads(render(body, "json"))["active"]["total"] == 732


@pytest.mark.parametrize("patch, field", [
    ({"active": {"total": -1}}, "active.total"),
    ({"active": {"by_channel": {"website": "many"}}}, "active.by_channel.website"),
    ({"period": {"start": "2022-13-01", "end": "2023-08-31"}}, "period.start"),
    ({"institution": ""}, "institution"),
    ({"catalog_coverage": [{"code": "1"}]}, "catalog_coverage[0].title"),
    ({"fees": {"charged_total": -5}}, "fees.charged_total"),
])
def test_bad_data_is_refused_with_the_field_named(reference_data, patch, field):
    body = reference_data.to_json_dict()
    body.update(patch)
    with pytest.raises(BadInput) as err:
        ReportData.from_dict(body)
    assert field in str(err.value)


def test_unknown_format_is_bad_input(reference_data):
    with pytest.raises(BadInput):
        render(reference_data, "pdf")


def test_academic_year_period():
    period = Period.academic_year("2022-2023")
    assert (period.start, period.end) == (date(2022, 9, 1), date(2023, 8, 31))
    assert Period.academic_year("2019-2020", "11-01").end == date(2020, 10, 31)
    assert period.label == "2022-2023"
    for bad in ("2022", "2022-2024", "abcd-efgh", ""):
        with pytest.raises(BadInput):
            Period.academic_year(bad)


def test_signature_date_defaults_to_the_october_deadline():
    data = reference_report()
    data.issued_on = None
    assert data.signature_date() == date(2023, 10, 31)
    assert data.title == "漳州理工职业学院信息公开年度报告（2022-2023学年）"


counts = st.dictionaries(st.text(min_size=1, max_size=12), st.integers(min_value=0, max_value=10**9), max_size=8)


@settings(max_examples=40, deadline=None)
@given(by_channel=counts, by_department=counts, outcomes=counts, received=st.integers(0, 10**6))
def test_any_counts_round_trip(by_channel, by_department, outcomes, received):
    data = reference_report()
    data.active.by_channel = by_channel
    data.active.by_department = by_department
    data.applications = {"received": received, "by_outcome": outcomes, "note": "free-form extra"}
    data = ReportData.from_dict(data.to_json_dict())  # re-normalise applications
    body = data.to_json_dict()
    assert ReportData.from_dict(json.loads(json.dumps(body))).to_json_dict() == body

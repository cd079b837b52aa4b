"""The State Council table: shape and its check rule on random generated years."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from workflow.applications.outcomes import OUTCOMES
from workflow.applications.stats import KINDS, Record, build_table, row_keys

START, END = date(2022, 9, 1), date(2023, 8, 31)


@st.composite
def records(draw: st.DrawFn) -> Record:
    received = draw(st.dates(date(2021, 6, 1), date(2024, 3, 1)))
    closed = draw(st.one_of(st.none(), st.integers(0, 400).map(lambda d: received + timedelta(days=d))))
    outcome = draw(st.sampled_from(OUTCOMES))
    reason = draw(st.integers(1, len(outcome.reasons))) if outcome.reasons else None
    return Record(draw(st.sampled_from(KINDS)), received, closed, outcome.code if closed else None,
                  reason if closed else None)


@settings(max_examples=200, deadline=None)
@given(st.lists(records(), max_size=60))
def test_check_rule_holds_on_random_years(rows: list[Record]) -> None:
    table = build_table(rows, START, END)
    assert table["check"]["ok"], table["check"]
    counts = {row["key"]: row["counts"] for row in table["rows"] if row["counts"]}
    for column in (*KINDS, "total"):
        assert counts["received"][column] + counts["carried_over"][column] == \
            counts["results.total"][column] + counts["carried_forward"][column]
        # each outcome with reasons: its reason rows add up to the outcome row
        for outcome in OUTCOMES:
            if outcome.reasons:
                assert sum(counts[f"results.{outcome.code}.{i}"][column]
                           for i in range(1, len(outcome.reasons) + 1)) == counts[f"results.{outcome.code}"][column]


def test_table_shape_matches_the_state_council_format() -> None:
    keys = [key for key, _ in row_keys()]
    labels = dict(row_keys())
    assert keys[0] == "received" and keys[1] == "carried_over" and keys[-1] == "carried_forward"
    assert labels["results.withheld.3"] == "3.危及\u201c三安全一稳定\u201d"
    assert labels["results.other.1"].startswith("1.申请人无正当理由逾期不补正")
    assert len([k for k in keys if k.startswith("results.") and k.count(".") == 2]) == 8 + 3 + 5 + 3
    table = build_table([Record("business", date(2022, 8, 1), None, None, None),
                         Record("natural", date(2022, 10, 1), date(2022, 10, 20), "withheld", 1)], START, END)
    columns = [c["label"] for c in table["columns"]]
    assert columns == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    counts = {row["key"]: row["counts"] for row in table["rows"] if row["counts"]}
    assert counts["carried_over"]["business"] == 1 and counts["carried_forward"]["business"] == 1
    assert counts["results.withheld.1"]["natural"] == 1 and counts["results.total"]["total"] == 1
    assert table["check"]["first_plus_second"]["total"] == 2 == table["check"]["third_plus_fourth"]["total"]

"""Each code set of applications is defined once with its labels; the database allows exactly its codes."""
from __future__ import annotations

import pytest

from db.models import applications as stored
from workflow import reminders
from workflow.applications import stats
from workflow.applications.spec import OPEN_STATES, RUNNING_STATES, ApplicationState
from workflow.applications.vocabulary import (ApplicantKind, ApplicationChannel, ClockSegment, DeliveryForm,
                                              RemedyKind, RemedyOutcome, Vocabulary)
from workflow.report.model import COMPLAINT_OUTCOME_LABELS, OUTCOME_LABELS


@pytest.mark.parametrize(("vocabulary", "codes"), [
    (ApplicantKind, stored.APPLICANT_KINDS), (DeliveryForm, stored.DELIVERY_FORMS),
    (ApplicationChannel, stored.APPLICATION_CHANNELS), (RemedyKind, stored.REMEDY_KINDS),
    (RemedyOutcome, stored.REMEDY_OUTCOMES)], ids=lambda v: getattr(v, "__name__", ""))
def test_the_check_constraints_allow_exactly_the_vocabulary(vocabulary: type[Vocabulary], codes: tuple[str, ...]) -> None:
    assert vocabulary.codes() == codes
    assert all(member.label for member in vocabulary)


def test_states_and_clock_segments() -> None:
    assert ApplicationState.codes() == stored.APPLICATION_STATES
    assert OPEN_STATES == ("received", "consulting", "clarifying", "replying")
    assert reminders.APPLICATION_RUNNING == RUNNING_STATES  # the ledger's copy (reminders cannot import the spec)
    assert {s.public_label for s in ApplicationState} >= {"办理中", "已答复"}
    assert ClockSegment.codes() == ("counted", "paused", "stopped", "superseded")


def test_the_statistics_table_and_the_report_use_the_same_words() -> None:
    assert [code for code, _label in stats.COLUMNS] == [*ApplicantKind.codes(), "total"]
    assert dict(stats.COLUMNS)["other"] == "其他" and ApplicantKind.OTHER.label == "其他组织"
    assert stats.ORGANISATION_KINDS == ApplicantKind.codes()[1:]
    assert list(COMPLAINT_OUTCOME_LABELS) == list(RemedyOutcome.codes())  # stored codes, not upheld/other_result
    assert COMPLAINT_OUTCOME_LABELS["maintained"] == "结果维持" and OUTCOME_LABELS["other"] == "其他处理"


def test_complaint_outcomes_in_the_report_are_not_reply_outcomes() -> None:
    from datetime import date

    from workflow.report.model import Complaints, Period, RemedyRow, ReportData, statistics_tables
    data = ReportData(Period(date(2022, 9, 1), date(2023, 8, 31)), "学院",
                      complaints=Complaints(reconsideration=RemedyRow.of({"other": 2, "maintained": 1})))
    table4, reports = statistics_tables(data)["complaints"]
    assert table4.columns[:5] == ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    assert table4.rows[0][:5] == ("1", "0", "2", "0", "3")
    assert "其他处理" not in str(table4) + str(reports)
    assert list(data.to_json_dict()["complaints"]["reconsideration"]) == [*RemedyOutcome.codes(), "total"]

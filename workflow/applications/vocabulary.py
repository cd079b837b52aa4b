"""The code sets of applications and remedy cases, each defined once with its labels.

Forms, pages, validation, the statistics table and the yearly report read these. Labels are
msgids marked ``N_`` here, where they are defined, and translated where they are shown. The
stored codes are also listed in ``db.models.applications`` for the CHECK constraints (the database
layer imports nothing from the workflow); ``tests/workflow/applications/test_vocabulary.py`` fails
if the two lists differ.
"""
from __future__ import annotations

from workflow.i18n import N_
from workflow.vocabulary import Vocabulary, member


class ApplicantKind(Vocabulary):
    """Who applies: the columns of the State Council statistics table.

    ``column`` is the table's heading; every kind but ``natural`` sits under 法人或其他组织.
    """

    column: str

    def __new__(cls, value: str, label: str, column: str = "") -> ApplicantKind:
        return member(cls, value, label=label, column=column or label)

    NATURAL = "natural", N_("自然人")
    BUSINESS = "business", N_("商业企业")
    RESEARCH = "research", N_("科研机构")
    PUBLIC_INTEREST = "public_interest", N_("社会公益组织")
    LEGAL_SERVICE = "legal_service", N_("法律服务机构")
    OTHER = "other", N_("其他组织"), N_("其他")

    @property
    def is_organisation(self) -> bool:
        """法人或其他组织 (every kind but a natural person)."""
        return self is not ApplicantKind.NATURAL


class DeliveryForm(Vocabulary):
    """How the applicant wants the information (获取信息的方式)."""

    PAPER = "paper", N_("纸质")
    EMAIL = "email", N_("电子邮件")
    DISC = "disc", N_("光盘")
    OTHER = "other", N_("其他")


class ApplicationChannel(Vocabulary):
    """How the application arrived; the label says when it counts as received (条例 Art. 31)."""

    IN_PERSON = "in_person", N_("当面提交")
    POST = "post", N_("邮寄（签收之日）")
    ONLINE = "online", N_("网上申请（确认之日）")
    FAX = "fax", N_("传真")
    EMAIL = "email", N_("电子邮件")


class ClockSegment(Vocabulary):
    """A stretch of the statutory clock's explanation (``statutory_clock.Segment.kind``)."""

    COUNTED = "counted", N_("计入期限")
    PAUSED = "paused", N_("征求第三方意见（不计入）")
    STOPPED = "stopped", N_("等待补正（停止计时）")
    SUPERSEDED = "superseded", N_("补正前的期限（已重新计算）")


class RemedyKind(Vocabulary):
    """A case against the disclosure work: 举报/投诉, 行政复议, 行政诉讼."""

    REPORT = "report", N_("举报/投诉")
    RECONSIDERATION = "reconsideration", N_("行政复议")
    LAWSUIT = "lawsuit", N_("行政诉讼")


class RemedyOutcome(Vocabulary):
    """A remedy case's outcome; ``report_label`` is the yearly report's column heading (结果维持 …)."""

    report_label: str

    def __new__(cls, value: str, label: str, report_label: str) -> RemedyOutcome:
        return member(cls, value, label=label, report_label=report_label)

    MAINTAINED = "maintained", N_("维持"), N_("结果维持")
    CORRECTED = "corrected", N_("纠正"), N_("结果纠正")
    OTHER = "other", N_("其他"), N_("其他结果")
    PENDING = "pending", N_("尚未审结"), N_("尚未审结")



# The rows of the yearly report's table 4 (State Council format): 举报/投诉, 行政复议, and 行政诉讼 split by
# whether the suit followed a 行政复议 (``RemedyCase.after_reconsideration``); each row has a
# ``RemedyOutcome.report_label`` column per outcome and 总计.
REMEDY_ROWS: tuple[str, ...] = ("reports", "reconsideration", "litigation_direct", "litigation_after_reconsideration")
REMEDY_ROW_LABELS: dict[str, str] = {
    "reports": RemedyKind.REPORT.label,
    "reconsideration": RemedyKind.RECONSIDERATION.label,
    "litigation_direct": N_("未经复议直接起诉"),
    "litigation_after_reconsideration": N_("复议后起诉"),
}
REMEDY_TOTAL_LABEL = N_("总计")


def remedy_row(kind: str, after_reconsideration: bool) -> str:
    """The table-4 row (``REMEDY_ROWS``) of a case of ``kind`` (a :class:`RemedyKind` code)."""
    if kind == RemedyKind.LAWSUIT.value:
        return "litigation_after_reconsideration" if after_reconsideration else "litigation_direct"
    return "reports" if kind == RemedyKind.REPORT.value else "reconsideration"

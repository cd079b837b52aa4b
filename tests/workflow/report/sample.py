"""A report resembling the 漳州理工职业学院 2022-2023 report (732 items, 451 online, no
applications, no complaints), built the way the query layer will build it."""
from __future__ import annotations

from datetime import date

from workflow.catalog import load_catalog
from workflow.report import Period, ReportData, new_report


def reference_report() -> ReportData:
    data = new_report(Period.academic_year("2022-2023"), "漳州理工职业学院", load_catalog())
    data.issued_on = date(2023, 10, 31)
    a = data.active
    a.total, a.network = 732, 451
    a.by_channel = {"website": 310, "wechat": 141, "meeting": 201, "bulletin_board": 60, "led_screen": 20}
    a.by_month = {"2022-09": 80, "2022-10": 75, "2022-11": 60, "2022-12": 58, "2023-01": 40, "2023-02": 30,
                  "2023-03": 70, "2023-04": 66, "2023-05": 64, "2023-06": 72, "2023-07": 62, "2023-08": 55}
    a.by_category = {"jbxx": 120, "zsks": 150, "cwzc": 40, "rssz": 90, "jxzl": 110, "xsgl": 130,
                     "xfjs": 20, "xwxk": 2, "dwjl": 10, "qt": 60}
    a.by_department = {"dzb": 200, "xsc": 130, "tw": 60, "jwc": 112, "cwc": 40, "rsc": 90, "zsjyc": 100}
    a.timeliness.within_deadline_share = 0.964
    a.timeliness.median_workdays = 6.0
    data.secrecy_review.reviewed, data.secrecy_review.returned = 760, 28
    for entry in data.catalog_coverage:
        if entry.code in {"1", "2", "6", "7", "9", "15", "21", "24", "37"}:
            entry.published = 3
            entry.covered = True
            entry.links = [f"https://www.zzit.edu.cn/xxgk/{entry.code}.htm"]
    return data


"""The demo college's 清单 settings: what an office marks once when it starts."""
from __future__ import annotations

from workflow.context import Gongkai
from workflow.demo.users import demo_actor
from workflow.services import catalog

# The reference college is a 高职 college: it grants no degrees, so the 学位、学科 entries do not apply.
DEGREE_ENTRIES = ("43", "44", "45", "46")


def mark_degree_entries_not_applicable(app: Gongkai) -> None:
    """Mark the 学位、学科 entries 「不适用」 with the reason an office would give (docs/report.md)."""
    admin = demo_actor(app, "admin")
    for code in DEGREE_ENTRIES:
        catalog.set_applicability(app, admin, code, {"not_applicable": True,
                                                     "reason": "本校为高等职业院校，不授予学位"})

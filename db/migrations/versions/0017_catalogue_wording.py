"""清单 wording as in 教办函〔2014〕23号: three category titles and six entry titles

Only rows still carrying the old default wording change (an admin's own edit stays), and the
downgrade restores the old wording only where the new one is still in place.

Revision ID: 0017
Revises: 0016
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# (code, old default title, title as in the notice)
CATEGORIES = (
    ("cwzc", "财务资产及收费信息", "财务、资产及收费信息"),
    ("xsgl", "学生管理服务", "学生管理服务信息"),
    ("xwxk", "学位学科信息", "学位、学科信息"),
)
ENTRIES = (
    ("33", "毕业生就业质量年度报告",
     "高校毕业生就业质量年度报告"),
    ("43", "授予博士硕士学士学位的基本要求",
     "授予博士、硕士、学士学位的基本要求"),
    ("44", "拟授予硕士博士学位同等学力人员资格审查和学力水平认定",
     "拟授予硕士、博士学位同等学力人员资格审查和学力水平认定"),
    ("45", "新增硕士博士学位授权学科或专业学位授权点审核办法",
     "新增硕士、博士学位授权学科或专业学位授权点审核办法"),
    ("49", "巡视组反馈意见及整改情况",
     "巡视组反馈意见，落实反馈意见整改情况"),
    ("50", "突发事件的应急处理预案、预警信息和处置情况",
     "自然灾害等突发事件的应急处理预案、预警信息和处置情况，涉及学校的重大事件的调查和处理情况"),
)


def _retitle(table: str, rows: tuple[tuple[str, str, str], ...], forward: bool) -> None:
    statement = sa.text(f"UPDATE {table} SET title = :to WHERE code = :code AND title = :was")
    for code, old, new in rows:
        was, to = (old, new) if forward else (new, old)
        op.get_bind().execute(statement, {"code": code, "was": was, "to": to})


def upgrade() -> None:
    _retitle("catalog_categories", CATEGORIES, forward=True)
    _retitle("catalog_entries", ENTRIES, forward=True)


def downgrade() -> None:
    _retitle("catalog_entries", ENTRIES, forward=False)
    _retitle("catalog_categories", CATEGORIES, forward=False)

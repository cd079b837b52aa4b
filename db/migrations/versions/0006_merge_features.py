"""merge the feature branches (reminders, applications, reports) into one head

Revision ID: 0006
Revises: 0003, 0004, 0005
"""
from __future__ import annotations

revision = "0006"
down_revision = ("0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this only joins the histories."""


def downgrade() -> None:
    """Nothing to change: this only joins the histories."""

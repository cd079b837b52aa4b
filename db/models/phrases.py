"""常用意见: the opinion phrases each user keeps, one list per decision (workflow/services/phrases.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class UserPhrases(Base):
    """One user's own phrases for one decision (``pass_review``, ``return``, ``approve``, ``reject``).

    No row: the user is offered the decision's built-in phrases (``Field.phrases`` in workflow/item_spec.py).
    A row, even with an empty list, is the user's own choice and replaces them.
    """

    __tablename__ = "user_phrases"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    phrases: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

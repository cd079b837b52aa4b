"""Login throttling counters and server-side sessions (docs/security.md)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class LoginThrottle(Base):
    """Failed logins counted under one key: an address, an account, or an (account, address) pair.

    Kept in the database so that every web worker sees the same counts. ``blocked_until`` is
    the earliest time another password may be tried under this key.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class UserSession(Base):
    """One logged-in browser session; only the SHA-256 of its random id is stored.

    The id travels inside the signed Flask session cookie and is checked on every request,
    so ending the row (logout, password change, deactivation) ends the session everywhere.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_ended", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    # SHA-256 of the CAS service ticket this session was opened with (single logout names it; migration 0033).
    sso_ticket_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)

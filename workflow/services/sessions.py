"""Server-side login sessions: revocable, checked on every request (docs/security.md).

The browser's signed session cookie carries a random session id; the database keeps its
SHA-256 in ``user_sessions``. A cookie copied before logout or before a password change
therefore stops working at once, on every web worker.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import User, UserSession
from workflow.access import Actor, actor_from_user
from workflow.context import Gongkai


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def lifetime(app: Gongkai) -> timedelta:
    """How long a session lasts at most (``security.session_hours``)."""
    return timedelta(hours=float(app.settings.get("security.session_hours", 12)))


def start(session: Session, app: Gongkai, user_id: int, now: datetime, address: str = "",
          sso_ticket: str | None = None) -> str:
    """Open a session for ``user_id`` inside the caller's transaction; returns its id (shown once).

    ``sso_ticket``: the CAS service ticket the login was validated with; its hash lets the CAS server's single
    logout end this session (``end_by_sso_ticket``)."""
    session_id = secrets.token_urlsafe(32)
    # Sessions ended or expired more than a day ago are of no use any more.
    session.execute(delete(UserSession).where(UserSession.user_id == user_id,
                                              UserSession.expires_at < now - timedelta(days=1)))
    session.add(UserSession(user_id=user_id, sid_hash=_hash(session_id), created_at=now,
                            expires_at=now + lifetime(app), address=(address or "")[:64],
                            sso_ticket_hash=_hash(sso_ticket) if sso_ticket else None))
    session.flush()
    return session_id


def end_all(session: Session, user_id: int, now: datetime) -> int:
    """End every open session of a user (password change or reset); returns how many."""
    result = session.execute(update(UserSession).where(UserSession.user_id == user_id,
                                                       UserSession.ended_at.is_(None)).values(ended_at=now))
    return int(result.rowcount or 0)


def end(app: Gongkai, session_id: str | None) -> bool:
    """Log out: end this one session (no-op for an unknown or already ended id).

    Returns whether the session ended was opened by a CAS login (its logout then goes on to the CAS server)."""
    if not session_id:
        return False
    now = app.now()
    with app.db.write() as session:
        ended = session.execute(update(UserSession).where(UserSession.sid_hash == _hash(session_id),
                                                          UserSession.ended_at.is_(None)).values(ended_at=now)
                                .returning(UserSession.sso_ticket_hash)).first()
    return ended is not None and ended[0] is not None


def end_by_sso_ticket(session: Session, ticket: str, now: datetime) -> int:
    """End the open sessions opened with CAS service ticket ``ticket`` (single logout); returns how many."""
    result = session.execute(update(UserSession).where(UserSession.sso_ticket_hash == _hash(ticket),
                                                       UserSession.ended_at.is_(None)).values(ended_at=now))
    return int(result.rowcount or 0)


def session_user(app: Gongkai, user_id: int, session_id: str | None) -> tuple[Actor, str] | None:
    """The actor and locale behind a live session of an active user, in one look-up (every UI request)."""
    if not session_id:
        return None
    now = app.now()
    with app.db.read() as session:
        user = session.scalar(
            select(User).join(UserSession, UserSession.user_id == User.id)
            .where(User.id == user_id, User.active.is_(True), UserSession.sid_hash == _hash(session_id),
                   UserSession.ended_at.is_(None), UserSession.expires_at > now))
        return (actor_from_user(user), user.locale) if user is not None else None

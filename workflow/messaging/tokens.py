"""Access tokens of 企业微信 / 钉钉 cached in the database (``im_tokens``), shared by every scheduler process.

Both platforms hand out a token valid ``expires_in`` seconds (7200) and limit how often it may be fetched,
so it is fetched once and used until ``REFRESH_MARGIN`` before it expires; a token the platform calls
invalid or expired (``refresh``) is fetched again at once.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Callable

from sqlalchemy import select, update

from db.models import ImToken
from workflow.notifications import insert_ignore

if TYPE_CHECKING:
    from workflow.context import Gongkai

REFRESH_MARGIN = timedelta(minutes=5)


class TokenStore:
    """The token named ``name`` (platform and app); ``fetch`` returns a new ``(token, expires_in seconds)``."""

    def __init__(self, app: "Gongkai", name: str, fetch: Callable[[], tuple[str, int]]):
        self.app, self.name, self.fetch = app, name[:200], fetch

    def get(self) -> str:
        """A token valid for a while yet: the cached one, or a freshly fetched one."""
        now = self.app.now()
        with self.app.db.read() as session:
            row = session.execute(select(ImToken.token, ImToken.expires_at).where(ImToken.name == self.name)).first()
        if row is not None and row.expires_at - REFRESH_MARGIN > now:
            return str(row.token)
        return self.refresh()

    def refresh(self) -> str:
        """Fetch a new token and store it for every process."""
        token, expires_in = self.fetch()
        now = self.app.now()
        values = {"token": token, "expires_at": now + timedelta(seconds=max(int(expires_in), 0)), "fetched_at": now}
        with self.app.db.write() as session:
            if not session.execute(update(ImToken).where(ImToken.name == self.name).values(**values)).rowcount:
                session.execute(insert_ignore(session, ImToken.__table__), [{"name": self.name, **values}])
        return token

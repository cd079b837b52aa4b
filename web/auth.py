"""Who is calling: session login (Flask-Login) for the UI, bearer tokens for the API."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_login import UserMixin, current_user

from web.core import core
from web.extensions import login_manager
from workflow.access import Actor
from workflow.errors import NotAuthenticated
from workflow.services import sessions, tokens

# The key of the server-side session id inside Flask's signed session cookie.
SESSION_ID_KEY = "sid"


class SessionUser(UserMixin):
    """The Flask-Login user: wraps the Actor snapshot."""

    def __init__(self, actor: Actor, locale: str | None = None):
        self.actor = actor
        self.id = str(actor.id)
        self.locale = locale

    @property
    def username(self) -> str:
        return self.actor.username


def init_app(app: Flask) -> None:
    """Wire the Flask-Login user loader: a cookie counts only while its server-side session is open."""
    login_manager.login_view = "ui.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        try:
            found = sessions.session_user(core(), int(user_id), session.get(SESSION_ID_KEY))
        except ValueError:
            return None
        return SessionUser(*found) if found else None


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_actor() -> Actor:
    """The caller: bearer token first, then the session; NotAuthenticated otherwise."""
    cached = g.get("actor")
    if cached is not None:
        return cached
    token = bearer_token()
    if token:
        actor = tokens.actor_for_token(core(), token)
        g.via_token = True
    elif current_user.is_authenticated:
        actor = current_user.actor
        g.via_token = False
    else:
        raise NotAuthenticated("请先登录或提供 API 令牌", code="not_authenticated")
    g.actor = actor
    return actor

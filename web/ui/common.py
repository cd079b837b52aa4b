"""Shared helpers of the UI blueprints: the current actor, flashing domain errors, context."""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, Response, abort, flash, g, request
from flask_babel import get_locale
from flask_login import current_user

from web.core import core
from web.auth import current_actor
from workflow.access import Actor
from workflow.errors import DomainError, Forbidden, NotFound
from workflow.i18n import gettext as _
from workflow.i18n import normalize_locale


def actor() -> Actor:
    """The logged-in actor (pages are wrapped in ``login_required``)."""
    return current_actor()


def require_admin() -> Actor:
    """The actor, or a friendly 403 page for non-admins."""
    who = actor()
    if not who.is_admin:
        abort(403)
    return who


def try_verb(verb: Callable[..., Any], *args: Any, success: str | None = None, **kwargs: Any) -> tuple[Any, DomainError | None]:
    """Run one workflow verb; a domain refusal is flashed (403/404 propagate to the error page)."""
    try:
        result = verb(*args, **kwargs)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        flash(error.message, "danger")
        return None, error
    if success:
        flash(success, "success")
    return result, None


def unread_count() -> int | None:
    """Unread notifications of the logged-in user (None for visitors)."""
    if not current_user.is_authenticated:
        return None
    from workflow.services.notifications import unread_count as count
    return count(core(), current_user.actor)


def public_title() -> str:
    """The public pages' header: 「<institution name> 信息公开」 (the English name in English)."""
    settings = core().settings
    zh = str(get_locale() or "zh").startswith("zh")
    name = settings["institution.name"] if zh else settings.get("institution.name_en") or settings["institution.name"]
    return _("%(name)s 信息公开", name=name)


def init_app(app: Flask) -> None:
    """Context processor (header data) and the ``lang`` cookie."""

    @app.context_processor
    def _header() -> dict[str, Any]:
        if request.path.startswith("/api/"):
            return {}
        who = current_user.actor if current_user.is_authenticated else None
        return {"me": who, "unread": unread_count() if who else None,
                "institution": core().settings["institution.name"], "public_title": public_title()}

    @app.after_request
    def _remember_language(response: Response) -> Response:
        wanted = request.args.get("lang")
        # Only pages remember the language; an API call's ?lang= is for that call alone.
        if wanted and not request.path.startswith("/api/"):
            response.set_cookie("lang", normalize_locale(wanted), max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True)
        return response

    @app.before_request
    def _no_cache_marker() -> None:
        g.setdefault("page_alerts", [])

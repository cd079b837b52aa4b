"""Flask application factory: ``create_app()`` (gunicorn 'web:create_app()').

``create_app`` refuses to build an app on a database whose schema is missing or not the code's
(``workflow.health.SchemaNotReady``), and puts werkzeug's ProxyFix in front when
``GONGKAI_TRUSTED_PROXIES`` says how many reverse proxies to trust (docs/deploy.md).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from flask import Flask, Response, request
from flask_babel import Domain, get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from web.extensions import babel, bootstrap, csrf, login_manager
from workflow.context import Gongkai
from workflow.health import require_current_schema
from workflow.i18n import DEFAULT_LOCALE, TRANSLATIONS_DIR, normalize_locale, set_locale
from workflow.wiring import create_gongkai, register_hooks


def _secret_key(instance_dir: Path) -> str:
    """GONGKAI_SECRET_KEY, else a key generated once into the instance folder (never in the repo)."""
    from_env = os.environ.get("GONGKAI_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class CatalogueDomain(Domain):
    """Templates use the same catalogues as the domain layer (compiled in memory from the .po),
    so a fresh checkout shows English pages without a separate compile step."""

    def get_translations(self) -> NullTranslations:
        from workflow.i18n import translations_for
        return translations_for(normalize_locale(str(get_locale() or DEFAULT_LOCALE)))


def select_locale() -> str:
    """``?lang=`` → the ``lang`` cookie → the logged-in user's setting → Accept-Language → zh_Hans_CN."""
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if not wanted:
        from flask_login import current_user
        # Loads the session user now, so the domain layer and the templates agree on the locale.
        if current_user and current_user.is_authenticated:
            wanted = getattr(current_user, "locale", None)
    if not wanted:
        wanted = request.accept_languages.best_match(["zh", "zh_CN", "zh_Hans_CN", "en"])
    return normalize_locale(wanted or DEFAULT_LOCALE)


def secure_cookies(settings: Any) -> bool:
    """The ``Secure`` cookie flag: ``GONGKAI_SECURE_COOKIES`` (0/1) if set, else ``auth.secure_cookies`` (on)."""
    from_env = os.environ.get("GONGKAI_SECURE_COOKIES")
    if from_env is not None and from_env.strip() != "":
        return from_env.strip().lower() in ("1", "true", "yes", "on")
    return bool(settings.get("auth.secure_cookies", True))


# Pages anyone may see and cache (the public directory, its API, static files); everything else is
# staff data that must not stay in a shared or back-button cache after logout.
CACHEABLE_PREFIXES = ("/public/", "/static/", "/api/v1/public/")


def _transport_and_cache_headers(app: Flask, response: Any) -> None:
    """HSTS over HTTPS (or whenever cookies are Secure); ``Cache-Control: no-store`` on staff responses."""
    hsts = int(app.extensions["gongkai"].settings.get("auth.hsts_seconds", 31536000))
    if hsts > 0 and (request.is_secure or app.config.get("SESSION_COOKIE_SECURE")):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    if not request.path.startswith(CACHEABLE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"


def create_app(gongkai: Gongkai | None = None, config: dict[str, Any] | None = None) -> Flask:
    """Build the web application around one Gongkai instance.

    Raises ``SchemaNotReady`` (logged, bilingual) when the database's schema is missing, behind or
    ahead of the code: serving an empty or half-migrated database only produces 500s.
    """
    app = Flask(__name__, instance_relative_config=False)
    register_hooks()  # also for an instance the caller built itself
    core = gongkai or create_gongkai()
    require_current_schema(core)
    app.extensions["gongkai"] = core
    app.config.update(
        SECRET_KEY=_secret_key(core.settings.instance_dir),
        MAX_CONTENT_LENGTH=int(core.settings["limits.request_max_bytes"]),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies(core.settings),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure_cookies(core.settings),
        PERMANENT_SESSION_LIFETIME=int(core.settings["security.session_hours"]) * 3600,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        JSON_AS_ASCII=False,
        BOOTSTRAP_SERVE_LOCAL=True,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if config:
        app.config.update(config)
    _trust_proxies(app, int(core.settings.get("web.trusted_proxies", 0)))
    from web import request_log
    request_log.init_app(app)  # first before_request hook: later hooks' log lines carry the request id
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"  # a session cookie moved to another client is dropped
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    babel.domain_instance = CatalogueDomain()  # replaces Flask-Babel's .mo-file loader

    @app.before_request
    def _locale_for_domain() -> None:
        set_locale(select_locale())

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # No inline script anywhere in the templates: scripts only from our own static files.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'self'; form-action 'self'; base-uri 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")  # the report preview is an iframe
        response.headers.setdefault("Referrer-Policy", "same-origin")
        _transport_and_cache_headers(app, response)
        return response

    from web import auth, errors, health, input_guard
    from web.api import bp as api_bp
    input_guard.init_app(app)  # before any blueprint: its rules must get the bounded <int:> converter
    auth.init_app(app)
    errors.init_app(app)
    app.register_blueprint(health.bp)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    _register_ui(app)
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, take the client address and scheme from their X-Forwarded-For /
    X-Forwarded-Proto (the public form's rate limit, login throttling and logs see the real client).

    With 0 (the default) these headers are ignored: a client could otherwise pick any address.
    X-Forwarded-Host is not trusted; the proxy passes the original Host header instead.
    """
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def _register_ui(app: Flask) -> None:
    """The server-rendered UI blueprints."""
    from web import ui
    ui.register(app)

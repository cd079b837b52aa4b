"""One log line per request, with a request id that the response and the error page repeat.

The id is the caller's ``X-Request-ID`` when it looks like one (a proxy or a load balancer that
already tagged the request), else a new random one. It is bound to the logging context for the
whole request (workflow/logs.py), so a traceback logged by the error handler carries it too.
The path is logged without the query string (search words, tracking numbers and tokens stay out
of the log) and with control characters escaped (no forged log lines).
"""
from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, g, request

from workflow import logs

log = logging.getLogger("gongkai.request")

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Probes every few seconds would drown the log: they are logged at DEBUG (docs/deploy.md).
QUIET_PATHS = frozenset({"/healthz", "/readyz"})
_PATH_MAX = 512


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return g.get("request_id")


def _incoming_id() -> str:
    offered = request.headers.get(HEADER, "")
    return offered if _SANE_ID.fullmatch(offered) else secrets.token_hex(8)


def _safe_path(path: str) -> str:
    escaped = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in path)
    return escaped if len(escaped) <= _PATH_MAX else escaped[:_PATH_MAX] + "…"


def _user_id() -> int | None:
    """The caller's user id if this request already knew it (never a database query just for the log)."""
    actor = g.get("actor")
    if actor is not None:
        return actor.id
    user = g.get("_login_user")  # Flask-Login's per-request cache of the session user
    if user is not None and getattr(user, "is_authenticated", False):
        return user.actor.id
    return None


def init_app(app: Flask) -> None:
    """Install the hooks; call before any other ``before_request`` so every later log line has the id."""

    @app.before_request
    def _start() -> None:
        g.request_id = _incoming_id()
        g.request_started = time.perf_counter()
        g.request_log_token = logs.bind(request_id=g.request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        path = _safe_path(request.path)
        user_id = _user_id()
        level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
        log.log(level, "%s %s %s %sms user=%s", request.method, path, response.status_code, duration_ms,
                user_id if user_id is not None else "-",
                extra={"method": request.method, "path": path, "status": response.status_code,
                       "duration_ms": duration_ms, "user_id": user_id})
        return response

    @app.teardown_request
    def _unbind(_error: BaseException | None) -> None:
        token = g.pop("request_log_token", None)
        if token is not None:
            try:
                logs.reset(token)
            except ValueError:  # bound in another context (cannot happen in one request); never fail the request
                pass


def request_summary() -> dict[str, object]:
    """Method, safe path and request id of the current request, for error logs."""
    return {"method": request.method, "path": _safe_path(request.path), "request_id": current_request_id()}

"""``GET /healthz`` (liveness) and ``GET /readyz`` (readiness); docs/deploy.md.

No login, no session, no CSRF (GET only), no rate limit: a load balancer or systemd watchdog
calls them every few seconds. ``/healthz`` never touches the database — a process that answers
is alive, and restarting it would not fix a database outage; ``/readyz`` asks the database
for its schema revision and says 503 with the reason when it cannot serve.
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from web.core import core
from workflow.health import readiness

bp = Blueprint("health", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 while the process serves."""
    return _no_store(jsonify({"status": "alive"}))


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """200 when the database answers and its schema is current, else 503 with the reason."""
    answer = readiness(core())
    response = jsonify(answer.to_dict())
    response.status_code = 200 if answer.ready else 503
    return _no_store(response)

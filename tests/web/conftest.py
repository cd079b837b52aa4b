"""Web fixtures: the Flask app around the parametrised Gongkai instance, and API tokens."""
from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World
from tests.web.ui_helpers import as_user, ui_app  # noqa: F401  (UI fixtures for every web test)
from web.app import create_app
from workflow.services.users import create_token


@pytest.fixture
def flask_app(world: World) -> Flask:
    app = create_app(world.app, {"TESTING": True})
    return app


@pytest.fixture
def client(flask_app: Flask) -> FlaskClient:
    return flask_app.test_client()


class Api:
    """Calls the API as one user (bearer token)."""

    def __init__(self, client: FlaskClient, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw):
        return self.client.get(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(path, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def patch(self, path: str, json=None, **kw):
        return self.client.patch(path, json=json, headers={**self.headers, **kw.pop("headers", {})}, **kw)


@pytest.fixture
def api(client: FlaskClient, world: World):
    """``api("drafter").get(...)``."""
    # Tokens up front: creating one writes an audit event, which would blur "nothing changed" checks.
    tokens: dict[str, str] = {name: create_token(world.app, name) for name in (
        "drafter", "drafter2", "reviewer", "approver", "admin", "all_rounder", "other_drafter", "other_reviewer")}

    def api_as(username: str | None) -> Api:
        if username is None:
            return Api(client, None)
        if username not in tokens:
            tokens[username] = create_token(world.app, username)
        return Api(client, tokens[username])

    return api_as
